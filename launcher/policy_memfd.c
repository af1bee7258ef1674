/* SPDX-License-Identifier: MIT */
/* policy_memfd.c — see policy_memfd.h. */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <string.h>

#include "launcher/log.h"
#include "launcher/policy_memfd.h"
#include "policy/blob.h"
#include "policy/util.h"

int policy_memfd_create(const void *blob, size_t size)
{
	_cleanup_close_ int fd = memfd_create("aigate-policy", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	const char *p = blob;

	if (fd < 0)
		return -errno;
	for (size_t off = 0; off < size;) {
		ssize_t n = write(fd, p + off, size - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		off += (size_t)n;
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
		return -errno;
	return TAKE_FD(fd);
}

int policy_memfd_compile(const struct policy *p, const char *home, const char *root,
			 struct policy_blob *ret_blob)
{
	_cleanup_free_ void *blob = NULL;
	size_t size;
	int fd, r;

	r = policy_compile(p, home, root, &blob, &size);
	if (r < 0) {
		log_error("cannot compile the policy: %s", strerror(-r));
		return r;
	}
	fd = policy_memfd_create(blob, size);
	if (fd < 0) {
		log_error("cannot create the policy memfd: %s", strerror(-fd));
		return fd;
	}
	r = policy_blob_map_fd(fd, ret_blob);
	if (r < 0) {
		log_error("cannot map the sealed policy: %s", strerror(-r));
		close(fd);
		return r;
	}
	return fd;
}
