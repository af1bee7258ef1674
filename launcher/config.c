/* SPDX-License-Identifier: MIT */
/* config.c — see config.h. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "launcher/config.h"
#include "launcher/log.h"
#include "policy/util.h"

static int find_home(char *buf, size_t bufsz)
{
	const char *h = getenv("HOME");
	if (!h || h[0] != '/') {
		struct passwd *pw = getpwuid(getuid());
		if (!pw || !pw->pw_dir || pw->pw_dir[0] != '/')
			return -ENOENT;
		h = pw->pw_dir;
	}
	if (util_strlcpy(buf, h, bufsz) < 0)
		return -ENAMETOOLONG;
	/* A trailing slash in $HOME would defeat the "~/" display and prefix checks. */
	size_t n = strlen(buf);
	while (n > 1 && buf[n - 1] == '/')
		buf[--n] = '\0';
	return 0;
}

static bool exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

/* The nearest directory at or above @cwd holding a .git entry (directory or file). */
static bool find_git_top(const char *cwd, char *buf, size_t bufsz)
{
	char dir[PATH_MAX], probe[PATH_MAX + 8];
	if (util_strlcpy(dir, cwd, sizeof(dir)) < 0)
		return false;
	for (;;) {
		snprintf(probe, sizeof(probe), "%s/.git", strcmp(dir, "/") == 0 ? "" : dir);
		if (exists(probe))
			return util_strlcpy(buf, dir, bufsz) == 0;
		char *slash = strrchr(dir, '/');
		if (!slash || strcmp(dir, "/") == 0)
			return false;
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
}

void config_display_path(const struct config_paths *cp, const char *path, char *buf, size_t bufsz)
{
	size_t hl = strlen(cp->home);
	if (hl > 1 && strncmp(path, cp->home, hl) == 0 && (path[hl] == '/' || !path[hl]))
		snprintf(buf, bufsz, "~%s", path + hl);
	else
		snprintf(buf, bufsz, "%s", path);
}

int config_paths_init(struct config_paths *cp)
{
	const char *ah = getenv("AIGATE_HOME");
	char git_top[PATH_MAX], probe[PATH_MAX + 16];
	int r;

	memset(cp, 0, sizeof(*cp));
	if ((r = find_home(cp->home, sizeof(cp->home))) < 0)
		return r;
	if (!getcwd(cp->cwd, sizeof(cp->cwd)))
		return -errno;
	if (ah && *ah) {
		if (ah[0] != '/') {
			/* A relative AIGATE_HOME would move with the working directory. */
			if ((size_t)snprintf(cp->dir, sizeof(cp->dir), "%s/%s", cp->cwd, ah) >=
			    sizeof(cp->dir))
				return -ENAMETOOLONG;
		} else if (util_strlcpy(cp->dir, ah, sizeof(cp->dir)) < 0) {
			return -ENAMETOOLONG;
		}
	} else if ((size_t)snprintf(cp->dir, sizeof(cp->dir), "%s/.aigate", cp->home) >=
		   sizeof(cp->dir)) {
		return -ENAMETOOLONG;
	}
	if ((size_t)snprintf(cp->global, sizeof(cp->global), "%s/config.yaml", cp->dir) >=
	    sizeof(cp->global))
		return -ENAMETOOLONG;
	config_display_path(cp, cp->global, cp->global_display, sizeof(cp->global_display));
	cp->global_exists = exists(cp->global);

	bool in_git = find_git_top(cp->cwd, git_top, sizeof(git_top));
	snprintf(cp->root, sizeof(cp->root), "%s", in_git ? git_top : cp->cwd);
	snprintf(probe, sizeof(probe), "%s/.aigate.yaml", cp->cwd);
	if (!exists(probe) && in_git)
		snprintf(probe, sizeof(probe), "%s/.aigate.yaml", git_top);
	if (exists(probe) && strlen(probe) < sizeof(cp->project)) {
		memcpy(cp->project, probe, strlen(probe) + 1);
		config_display_path(cp, cp->project, cp->project_display,
				    sizeof(cp->project_display));
	}
	return 0;
}

int config_read_file(const char *path, char **ret_buf, size_t *ret_len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	struct stat st;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -EINVAL; /* a FIFO or device could block or never end */
	if (st.st_size > (off_t)POLICY_MAX_FILE_SIZE)
		return -EFBIG;
	buf = malloc(POLICY_MAX_FILE_SIZE + 2);
	if (!buf)
		return -ENOMEM;
	/* Read to EOF rather than trusting st_size: the file may change under us. */
	for (;;) {
		ssize_t n = read(fd, buf + len, POLICY_MAX_FILE_SIZE + 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > POLICY_MAX_FILE_SIZE)
			return -EFBIG;
	}
	buf[len] = '\0';
	*ret_buf = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

int config_load_one(const char *path, const char *display, struct policy **ret)
{
	_cleanup_free_ char *buf = NULL;
	const char *text;
	size_t len;
	struct policy_diag diag;
	struct policy *p;
	int r;

	if (path) {
		r = config_read_file(path, &buf, &len);
		if (r == -EFBIG) {
			log_error("%s: policy file is larger than %u bytes", display,
				  POLICY_MAX_FILE_SIZE);
			return -EINVAL;
		}
		if (r < 0) {
			log_error("%s: cannot read: %s", display,
				  r == -EINVAL ? "not a regular file" : strerror(-r));
			return -EINVAL;
		}
		text = buf;
	} else {
		text = policy_default_yaml(&len);
	}
	p = policy_new();
	if (!p)
		return -ENOMEM;
	r = policy_load_buffer(p, text, len, display, &diag);
	if (r < 0) {
		log_diag(LOG_ERROR, &diag);
		policy_free(p);
		return -EINVAL;
	}
	*ret = p;
	return 0;
}

int config_load_effective(const struct config_paths *cp, struct policy **ret)
{
	struct policy *global = NULL, *project = NULL;
	int r;

	if (cp->global_exists)
		r = config_load_one(cp->global, cp->global_display, &global);
	else
		r = config_load_one(NULL, CONFIG_DEFAULT_DISPLAY, &global);
	if (r < 0)
		return r;
	if (cp->project[0]) {
		struct policy_diags *warnings = calloc(1, sizeof(*warnings));
		if (!warnings) {
			policy_free(global);
			return -ENOMEM;
		}
		r = config_load_one(cp->project, cp->project_display, &project);
		if (r == 0)
			r = policy_merge_project(global, project, warnings);
		for (size_t i = 0; i < warnings->n; i++)
			log_diag(LOG_WARN, &warnings->items[i]);
		if (warnings->dropped)
			log_warn("%zu more warnings not shown", warnings->dropped);
		free(warnings);
		policy_free(project);
		if (r < 0) {
			if (r != -EINVAL)
				log_error("cannot merge %s: %s", cp->project_display, strerror(-r));
			policy_free(global);
			return -EINVAL;
		}
	}
	*ret = global;
	return 0;
}
