/* SPDX-License-Identifier: MIT */
/*
 * cmd_run.c — `aigate run [--dry-run] [--allow-degraded] [--audit-log FILE]
 * [--ci] [--fail-on-violation] [--] CMD [ARGS…]`. Loads and compiles the
 * policy, opens the audit trail, refuses a command line deny_exec names,
 * builds the sandbox plan, and runs CMD inside it (sandbox_run.c). Fails
 * closed: a protection the policy asks for that cannot be built stops the
 * run with exit 125, unless --allow-degraded, which says exactly what is not
 * enforced (and the session's first audit record lists it).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "launcher/audit.h"
#include "launcher/cli.h"
#include "launcher/egress.h"
#include "launcher/config.h"
#include "launcher/features.h"
#include "launcher/log.h"
#include "launcher/mask_stream.h"
#include "launcher/mask_values.h"
#include "launcher/policy_memfd.h"
#include "launcher/run_audit.h"
#include "launcher/sandbox.h"
#include "launcher/shim_env.h"
#include "policy/blob.h"
#include "policy/util.h"
#include "launcher/run_as_user.h"

extern char **environ;

struct run_opts {
	bool dry_run, degraded, ci, fail_on_violation, no_shim;
	const char *audit_path;
	const char *as_user; /* --as-user: become this user before the sandbox starts */
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/*
 * The early, readable answer for the command line itself (the sandbox
 * judges every later exec): is it denied? With @act, also say so and record it.
 */
static bool precheck_argv(const struct policy_blob *b, char **cmd, size_t ncmd, bool act)
{
	struct argvmatch_scratch scratch;
	struct argvmatch_invocation inv;
	char origin[1024];
	int idx = policy_blob_match_exec(b, (const char *const *)cmd, ncmd, &scratch, &inv);
	if (idx < 0)
		return false;
	const struct policy_blob_rule *rule =
		policy_blob_rule(b, POLICY_BLOB_DENY_EXEC, (uint32_t)idx);
	if (!act)
		return true;
	policy_blob_origin(b, rule, origin, sizeof(origin));
	fprintf(stderr, "aigate: '%s' is denied by policy (deny_exec: %s, %s)\n", inv.name,
		policy_blob_str(b, rule->text_off), origin);
	struct audit_record rec = { .action = "exec",
				    .target = cmd[0],
				    .rule = policy_blob_str(b, rule->text_off),
				    .origin = origin,
				    .verdict = "denied",
				    .enforcer = "launcher",
				    .err = EACCES,
				    .uid = (long)getuid(),
				    .argv = (const char *const *)cmd,
				    .reason = "the command line itself is denied" };
	audit_write(&rec); /* a failure is seen by run_audit_end() */
	return true;
}

/* The shim's socket pair and the stub's table (-1: none). */
static void close_shim_fds(int p[2], int net_fd)
{
	for (int i = 0; i < 2; i++)
		if (p[i] >= 0)
			close(p[i]);
	if (net_fd >= 0)
		close(net_fd);
}

static volatile pid_t unsandboxed_pid;

static void forward_signal(int sig)
{
	if (unsandboxed_pid > 0)
		kill(unsandboxed_pid, sig);
}

/*
 * No namespaces and --allow-degraded: run CMD directly, having said what
 * that means; aigate waits for it so the session's end is recorded.
 */
static int run_unsandboxed(char **cmd)
{
	log_warn("degraded run: NO sandbox (no user namespaces, no seccomp user notification): "
		 "deny_read, allow_write, "
		 "deny_exec of child processes, allow_net, mask_stdout and resource_limits are NOT "
		 "enforced; only the command line was checked");
	fflush(NULL);
	int ready[2];
	if (pipe2(ready, O_CLOEXEC) < 0) {
		log_error("cannot run '%s': %s", cmd[0], strerror(errno));
		return EXIT_SANDBOX;
	}
	pid_t pid = fork();
	if (pid < 0) {
		log_error("cannot run '%s': %s", cmd[0], strerror(errno));
		return EXIT_SANDBOX;
	}
	if (pid == 0) {
		close(ready[0]);
		execvp(cmd[0], cmd);
		int e = errno;
		(void)!write(ready[1], &e, sizeof(e));
		_exit(127);
	}
	close(ready[1]);
	unsandboxed_pid = pid;
	struct sigaction fwd = { .sa_handler = forward_signal, .sa_flags = SA_RESTART };
	sigaction(SIGTERM, &fwd, NULL);
	sigaction(SIGHUP, &fwd, NULL);
	signal(SIGINT, SIG_IGN); /* the terminal sends it to CMD too */
	signal(SIGQUIT, SIG_IGN);
	int e = 0, st = 0;
	ssize_t got = read(ready[0], &e, sizeof(e));
	close(ready[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (got == (ssize_t)sizeof(e)) {
		log_error("cannot run '%s': %s", cmd[0], strerror(e));
		return e == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int parse_opts(int argc, char **argv, struct run_opts *o)
{
	static const struct option opts[] = { { "dry-run", no_argument, NULL, 'n' },
					      { "allow-degraded", no_argument, NULL, 'D' },
					      { "audit-log", required_argument, NULL, 'A' },
					      { "ci", no_argument, NULL, 'C' },
					      { "fail-on-violation", no_argument, NULL, 'F' },
					      { "no-shim", no_argument, NULL, 'S' },
					      { "as-user", required_argument, NULL, 'U' },
					      { "help", no_argument, NULL, 'h' },
					      { 0 } };
	int c;
	/* '+': stop at CMD, so `aigate run claude --version` passes --version to claude. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+nh", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			o->dry_run = true;
			break;
		case 'D':
			o->degraded = true;
			break;
		case 'A':
			o->audit_path = optarg;
			break;
		case 'C':
			o->ci = true;
			break;
		case 'F':
			o->fail_on_violation = true;
			break;
		case 'S':
			o->no_shim = true;
			break;
		case 'U':
			/* Not root, no such user: said before anything is loaded or opened. */
			if (run_as_user_check(optarg) != EXIT_OK)
				return EXIT_USAGE;
			o->as_user = optarg;
			break;
		case 'h':
			return cli_print_help("run");
		default:
			if (optopt == 'A')
				return cli_usage_error("run", "--audit-log needs a file (or -)");
			if (optopt == 'U')
				return cli_usage_error("run", "--as-user needs a user name");
			return cli_usage_error("run", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error("run", "missing the command to run");
	if (o->audit_path && !o->audit_path[0])
		return cli_usage_error("run", "--audit-log needs a file (or -)");
	return -1;
}

/* --dry-run: the plan, printed; nothing is run or recorded. */
static int dry_run(const struct policy_blob *b, const struct config_paths *cp, char **cmd)
{
	struct sbx_plan plan;
	if (sbx_plan_build(&plan, b, cp, environ, true) < 0)
		return EXIT_SANDBOX;
	printf("aigate run --dry-run: the sandbox for '%s' (nothing is run)\n", cmd[0]);
	sbx_plan_print(&plan, stdout);
	sbx_plan_free(&plan);
	return EXIT_OK;
}

/*
 * Build the plan and run CMD in the sandbox (@h started). Returns CMD's
 * exit status, or 125. The session_start record is written here, once the
 * enforcement is known.
 */
/*
 * The shim (advisory: the supervisor judges everything again): CMD loads it
 * with the sealed policy @policy_fd and the sending end of the audit
 * socket; the supervisor reads the other. Missing library: said at debug
 * level, and the run goes on without the early messages.
 */
static int plan_shim(struct sbx_plan *plan, int policy_fd, const int shim_sock[2], int net_fd)
{
	char path[PATH_MAX];
	if (shim_sock[0] < 0 || shim_find(path, sizeof(path)) < 0) {
		log_debug("no libaigate_shim.so next to aigate: the supervisor alone judges");
		return 0;
	}
	/* A build below /tmp: the private /tmp inside would hide it (ld.so would say so). */
	int r = sbx_plan_keep_file(plan, path, "the shim, below the private /tmp");
	return r < 0 ? r : shim_env_setup(plan, path, policy_fd, shim_sock[1], net_fd);
}

/* mask_stdout is on when the policy names a preset or a pattern. */
static bool masking(const struct policy_blob *b)
{
	return policy_blob_count(b, POLICY_BLOB_MASK_PRESETS) || b->hdr->masks.count;
}

/*
 * The masks for this run: the policy's, plus the values of the files the
 * plan hides for deny_read (read here, outside the sandbox), so that a
 * secret the agent got another way is masked literally. 0 and *@ret, or
 * -errno (said).
 */
static int plan_masks(const struct sbx_plan *plan, const struct policy_blob *b,
		      struct mask_set **ret)
{
	const char **paths = calloc(plan->n + 1, sizeof(*paths));
	char **values = NULL, err[512] = "";
	size_t npaths = 0, skipped = 0, nvalues = 0;
	int r;
	if (!paths)
		return -ENOMEM;
	for (size_t i = 0; policy_blob_mask_denied_values(b) && i < plan->n; i++)
		if (plan->ops[i].kind == SBX_HIDE_FILE &&
		    strncmp(plan->ops[i].why, "deny_read ", 10) == 0)
			paths[npaths++] = plan->ops[i].path;
	if (npaths && (r = mask_values_read(paths, npaths, &values, &skipped)) < 0) {
		free(paths);
		log_error("mask_stdout: cannot read the hidden files' values: %s", strerror(-r));
		return r;
	}
	free(paths);
	/* Their values are not masked: said, since the user may count on it. */
	if (skipped)
		log_warn("mask_stdout: the values of %zu hidden file%s are not masked (not a "
			 "regular file, a symlink, over 1 MiB, unreadable, or past 1,024 values)",
			 skipped, skipped == 1 ? "" : "s");
	while (values && values[nvalues])
		nvalues++;
	r = mask_set_build(b, (const char *const *)values, nvalues, ret, err, sizeof(err));
	mask_values_free(values);
	if (r < 0)
		log_error("mask_stdout: %s", err[0] ? err : strerror(-r));
	return r;
}

/*
 * The masks for a run refused or run before run_sandboxed() builds them:
 * the --ci summary shows the command line (a token in a curl header), so
 * it needs the hidden files' values too. Into ra->mask; 0 or -errno (said).
 */
static int plan_masks_early(const struct policy_blob *b, const struct config_paths *cp,
			    struct run_audit *ra)
{
	struct sbx_plan plan;
	if (!masking(b))
		return 0;
	if (sbx_plan_build(&plan, b, cp, environ, true) < 0)
		return -EIO;
	int r = plan_masks(&plan, b, &ra->mask);
	sbx_plan_free(&plan);
	return r;
}

/*
 * The fallback ladder (docs/fallback.md): rung 1 has every namespace; 2
 * (no user namespaces) the supervisor, Landlock and the shim; 3 the
 * supervisor and the shim. What a rung cannot enforce of the policy is a
 * gap: named, with the fix, and a refusal unless --allow-degraded.
 */
struct rung {
	int level; /* 1, 2, 3 */
	const char *name;
	int landlock_abi;
	const char *fix; /* how to get rung 1 on this system */
	struct {
		const char *what, *why;
	} gaps[6];
	size_t ngaps;
};

static void rung_gap(struct rung *g, const char *what, const char *why)
{
	if (g->ngaps < ARRAY_SIZE(g->gaps)) {
		g->gaps[g->ngaps].what = what;
		g->gaps[g->ngaps].why = why;
		g->ngaps++;
	}
}

/* What the flat rungs (2 and 3) cannot give @b. */
static void rung_flat_gaps(struct rung *g, const struct policy_blob *b)
{
	/*
	 * allow_net is no gap: the supervisor carries out every connect and
	 * listen itself (sup_net.c). What the rung lacks is said at the run
	 * (run_sandboxed()): no names inside, the proxy the only way out.
	 */
	(void)b;
	if (g->level == 3) {
		rung_gap(g, "allow_write",
			 "is kept by the supervisor alone: opens, renames, links, unlinks, "
			 "truncates, mkdir, mknod, rmdir, chmod, chown and setxattr outside the "
			 "write roots are refused, but utimes and binding a unix socket are not "
			 "(Landlock would)");
		rung_gap(g, "process isolation",
			 "cannot keep the sandbox from signalling the user's other processes "
			 "(Landlock ABI 6 would)");
	} else if (g->landlock_abi < 6) {
		rung_gap(g, "process isolation",
			 "cannot keep the sandbox from signalling the user's other processes or "
			 "reaching the host's abstract unix sockets (needs Landlock ABI 6, Linux "
			 "6.12)");
	}
}

/*
 * allow_net: the standard descriptors CMD inherits, if sockets, must not
 * be a way out past the egress. A UDP or raw socket, a unix datagram
 * socket or one of another family carries a destination in every send
 * (sendmsg's, which the filter does not trap) into the host's network (its
 * sockets were made there). Connected stream sockets (a CI runner's
 * stdout, journald's) reach only what they are connected to: they stay.
 * Returns the first offending descriptor, or -1.
 */
static int unsafe_inherited_socket(char *what, size_t size)
{
	for (int fd = 0; fd <= 2; fd++) {
		struct stat st;
		int dom = 0, type = 0;
		socklen_t sl = sizeof(dom);
		if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode))
			continue;
		if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &sl) < 0)
			dom = -1;
		sl = sizeof(type);
		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &sl) < 0)
			type = -1;
		bool ip = dom == AF_INET || dom == AF_INET6;
		if ((ip && type == SOCK_STREAM) || (dom == AF_UNIX && type != SOCK_DGRAM) ||
		    dom == AF_NETLINK)
			continue;
		snprintf(what, size, "%s socket (family %d, type %d)",
			 ip		  ? "an IP datagram or raw"
			 : dom == AF_UNIX ? "a unix datagram"
					  : "a",
			 dom, type);
		return fd;
	}
	return -1;
}

static int run_sandboxed(struct sbx_handle *h, const struct policy_blob *b,
			 const struct config_paths *cp, char **cmd, const struct run_opts *o,
			 struct run_audit *ra, double t0, double t1, int policy_fd,
			 const int shim_sock[2], int net_fd, const struct egress_config *egress,
			 const struct rung *rung)
{
	struct sbx_plan plan;
	double t2 = now_ms();
	int r;
	if (sbx_plan_build(&plan, b, cp, environ, false) < 0) {
		sbx_abort(h);
		return EXIT_SANDBOX;
	}
	/*
	 * The stub's answers reach the shim at rung 1 only: the fallback rungs
	 * have no stub (the supervisor alone knows the proxy's ports and the
	 * sandbox's listeners there).
	 */
	if (!o->no_shim &&
	    (r = plan_shim(&plan, policy_fd, shim_sock, rung->level == 1 ? net_fd : -1)) < 0) {
		log_error("cannot plan the shim: %s", strerror(-r));
		sbx_abort(h);
		sbx_plan_free(&plan);
		return EXIT_SANDBOX;
	}
	/*
	 * The trail in a file the sandbox could reach (a project dir, --ci):
	 * hidden inside. Not a character device (`--audit-log /dev/null` or a
	 * terminal): it keeps no records to read or rewrite, and hiding
	 * /dev/null would break every program in the sandbox.
	 */
	struct stat log_st;
	bool log_is_chardev =
		ra->file[0] && stat(ra->file, &log_st) == 0 && S_ISCHR(log_st.st_mode);
	if (ra->file[0] && !log_is_chardev &&
	    (r = sbx_plan_hide_file(&plan, ra->file, "\"aigate's audit log\" (built-in)")) < 0) {
		log_error("cannot hide the audit log %s: %s", ra->file, strerror(-r));
		sbx_abort(h);
		sbx_plan_free(&plan);
		return EXIT_SANDBOX;
	}
	log_debug("policy loaded and sealed in %.2f ms; plan of %zu mounts built in %.2f ms "
		  "(%zu entries walked)",
		  t1 - t0, plan.n, now_ms() - t2, plan.walked);
	/* resource_limits: the mechanism for each on this host; those none can enforce are gaps. */
	static struct limits lim;
	if ((r = limits_plan(&lim, b, rung->level == 1)) < 0 ||
	    (r = limits_plan_add(&lim, &plan)) < 0) {
		log_error("cannot plan resource_limits: %s", strerror(-r));
		sbx_abort(h);
		sbx_plan_free(&plan);
		return EXIT_SANDBOX;
	}
	ra->limits = lim.audit;
	/* Fail closed: a protection the plan cannot give stops the run. */
	for (size_t i = 0; i < plan.ngaps; i++)
		log_msg(o->degraded ? LOG_WARN : LOG_ERROR,
			"%s cannot be enforced in this build (it %s)", plan.gaps[i].what,
			plan.gaps[i].why);
	/*
	 * Flat rungs: connect(2) is not judged without a network namespace,
	 * and a mount cannot hide a socket: the host services rung 1 hides
	 * (the session bus and systemd --user, a container runtime) would run
	 * whatever the agent asks of them, outside the sandbox.
	 */
	struct rung flat_rung;
	bool net = b->hdr->flags & POLICY_BLOB_F_ALLOW_NET_SET;
	if (rung->level > 1) {
		flat_rung = *rung;
		/* Under allow_net every connect is judged (sup_net.c): the hidden sockets stay hidden. */
		for (size_t i = 0; !net && i < plan.n; i++)
			if ((plan.ops[i].kind == SBX_HIDE_DIR ||
			     plan.ops[i].kind == SBX_HIDE_FILE) &&
			    (strncmp(plan.ops[i].why, "your session's sockets", 22) == 0 ||
			     strncmp(plan.ops[i].why, "container runtime socket", 24) == 0)) {
				rung_gap(
					&flat_rung, "host service sockets",
					"cannot keep the sandbox from connecting to the host's "
					"session bus, systemd --user or a container runtime socket "
					"(connect(2) is judged only with a network namespace; "
					"pass_env: [XDG_RUNTIME_DIR] accepts the session's)");
				break;
			}
		rung = &flat_rung;
	}
	for (size_t i = 0; i < rung->ngaps; i++)
		log_msg(o->degraded ? LOG_WARN : LOG_ERROR,
			"%s cannot be enforced at rung %d (%s): it %s", rung->gaps[i].what,
			rung->level, rung->name, rung->gaps[i].why);
	if ((plan.ngaps || rung->ngaps) && !o->degraded) {
		if (rung->ngaps)
			log_error("refusing to run '%s' without them. Fix: %s. Or pass "
				  "--allow-degraded (see `aigate doctor`)",
				  cmd[0], rung->fix);
		else
			log_error("refusing to run '%s' without them; change the policy or the "
				  "directory, or pass --allow-degraded",
				  cmd[0]);
		sbx_abort(h);
		sbx_plan_free(&plan);
		return EXIT_SANDBOX;
	}
	/* Before the session starts: every summary it prints is masked (run_audit_end()). */
	if (masking(b) && plan_masks(&plan, b, &ra->mask) < 0) {
		sbx_abort(h);
		sbx_plan_free(&plan);
		return EXIT_SANDBOX;
	}
	const char **gaps = calloc(plan.ngaps + rung->ngaps + 1, sizeof(*gaps));
	if (!gaps) {
		sbx_abort(h);
		sbx_plan_free(&plan);
		return EXIT_SANDBOX;
	}
	for (size_t i = 0; i < plan.ngaps; i++)
		gaps[i] = plan.gaps[i].what;
	for (size_t i = 0; i < rung->ngaps; i++)
		gaps[plan.ngaps + i] = rung->gaps[i].what;
	r = run_audit_start(ra, cmd, b, rung->level == 1 ? "full" : rung->name, gaps);
	free(gaps);
	if (r != 0) {
		sbx_abort(h);
		sbx_plan_free(&plan);
		return r;
	}
	/* The flat rungs start here, with the plan known (nothing to overlap with). */
	if (!h) {
		int ruleset = -1;
		if ((r = sbx_flat_prepare(&plan, rung->landlock_abi, &ruleset)) < 0 ||
		    (r = sbx_start_flat(cmd, net, masking(b), ruleset, &h)) < 0) {
			if (r != -ECANCELED)
				log_error("cannot start the sandbox without namespaces: %s",
					  strerror(-r));
			if (ruleset >= 0)
				close(ruleset);
			sbx_plan_free(&plan);
			return EXIT_SANDBOX;
		}
		/* allow_net: the proxies on the host's loopback, made now that init cannot hold them. */
		if ((r = sbx_flat_net(&plan, ruleset)) < 0) {
			log_error("allow_net: cannot start the egress's listeners on 127.0.0.1: %s",
				  strerror(-r));
			if (ruleset >= 0)
				close(ruleset);
			sbx_abort(h);
			sbx_plan_free(&plan);
			return EXIT_SANDBOX;
		}
		if (net)
			log_warn("allow_net at rung %d (%s): the sandbox reaches the network only "
				 "through aigate's proxy (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY); "
				 "names do "
				 "not resolve inside, and programs that ignore the proxy variables "
				 "cannot connect (rung 1 connects them transparently)",
				 rung->level, rung->name);
		if (ruleset >= 0)
			close(ruleset); /* CMD has its copy; enforced on itself before its filter */
		log_debug("running at rung %d (%s): no namespaces; %s", rung->level, rung->name,
			  rung->level == 2
				  ? "the supervisor, Landlock and the shim enforce the policy"
				  : "the supervisor and the shim enforce the policy");
	}
	struct sbx_supervision sv = { .blob = b,
				      .audit_fd = ra->cfg.fd,
				      .shim_fd = shim_sock[0],
				      .egress = egress,
				      .limits = &lim };
	/* Kept for the --ci summary (run_audit_end() frees it). */
	if (ra->mask) {
		sv.mask = ra->mask;
		sv.mask_delay_ms = policy_blob_mask_delay_ms(b);
	}
	r = sbx_commit(h, &plan, &sv);
	sbx_plan_free(&plan);
	return r;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = { 0 };
	struct config_paths cp;
	struct policy *p = NULL;
	struct policy_blob b;
	struct run_audit ra;
	int r, fd;

	if ((r = parse_opts(argc, argv, &o)) >= 0)
		return r;
	char **cmd = argv + optind;
	size_t ncmd = (size_t)(argc - optind);
	if (o.ci)
		log_no_color();

	double t0 = now_ms();
	if ((r = config_paths_init(&cp)) < 0) {
		log_error("cannot find the home or working directory: %s", strerror(-r));
		return EXIT_SANDBOX;
	}
	if (config_load_effective(&cp, &p) < 0)
		return EXIT_USAGE;
	fd = policy_memfd_compile(p, cp.home, cp.root, &b);
	if (fd < 0) {
		policy_free(p);
		return EXIT_SANDBOX;
	}
	if (o.dry_run) {
		policy_free(p);
		r = dry_run(&b, &cp, cmd);
		close(fd);
		return r;
	}
	r = run_audit_open(&ra, &cp, p, o.audit_path, o.ci);
	policy_free(p);
	if (r != 0) {
		close(fd);
		return r;
	}
	/* --as-user: root loaded the policy and opened the trail; all the rest runs as the user. */
	if (o.as_user && (r = run_as_user_become(o.as_user)) != EXIT_OK) {
		close(fd);
		return run_audit_end(&ra, r, false);
	}

	/* A denied command line: nothing runs; the session says so, start to end. */
	if (precheck_argv(&b, cmd, ncmd, false)) {
		static const char *const none[] = { NULL };
		if (plan_masks_early(&b, &cp, &ra) < 0)
			r = EXIT_SANDBOX;
		else if ((r = run_audit_start(&ra, cmd, &b, "command-line", none)) == 0) {
			precheck_argv(&b, cmd, ncmd, true);
			r = EXIT_CANNOT_RUN;
		}
		close(fd);
		return run_audit_end(&ra, r, o.fail_on_violation);
	}

	/*
	 * Namespaces first: init's fixed steps run on the other CPU while this
	 * process builds the plan (about half a millisecond saved per run).
	 */
	struct sbx_handle *h = NULL;
	double t1 = now_ms();
	/*
	 * allow_net: where the egress resolves names and whether it chains
	 * through the host's proxy, settled before anything starts. A setting
	 * we cannot use is refused, not guessed around.
	 */
	static struct egress_config egress;
	bool net = b.hdr->flags & POLICY_BLOB_F_ALLOW_NET_SET;
	char err[512];
	if (net && egress_config_from_host(&egress, &b, environ, err, sizeof(err)) < 0) {
		log_error("allow_net: %s", err);
		close(fd);
		return run_audit_end(&ra, EXIT_SANDBOX, false);
	}
	int bad_fd = net ? unsafe_inherited_socket(err, sizeof(err)) : -1;
	if (bad_fd >= 0) {
		log_error("allow_net: descriptor %d is %s, which would reach the network past "
			  "aigate's egress; refusing to run (give CMD a file, a pipe or a terminal "
			  "there)",
			  bad_fd, err);
		close(fd);
		return run_audit_end(&ra, EXIT_SANDBOX, false);
	}
	/* Before the clone: init (and so CMD) must hold the shim's sending end. */
	int shim_sock[2] = { -1, -1 };
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, shim_sock) < 0)
		shim_sock[0] = shim_sock[1] = -1;
	/* The DNS stub's answers for the shim's connect hook: before the clone too. */
	int net_fd = -1;
	if (net && !o.no_shim && shim_sock[0] >= 0 && (net_fd = egress_shim_table(&egress)) < 0) {
		log_debug("no table of the DNS stub's answers for the shim (%s): the supervisor "
			  "alone judges connects",
			  strerror(-net_fd));
		net_fd = -1;
	}
	int started = sbx_start(cmd, net, masking(&b), &h);
	if (started == -ECANCELED) {
		close_shim_fds(shim_sock, net_fd);
		close(fd);
		return run_audit_end(&ra, EXIT_SANDBOX, false);
	}
	/*
	 * Only a system without user namespaces may fall back, and only with
	 * --allow-degraded: a resource failure (EAGAIN from an exhausted
	 * process limit, ENOMEM) must never turn into an unsandboxed run.
	 */
	bool no_userns =
		started == -EPERM || started == -ENOSPC || started == -EUSERS || started == -EINVAL;
	if (started < 0 && !no_userns) {
		log_error("cannot create the sandbox's processes: %s", strerror(-started));
		close_shim_fds(shim_sock, net_fd);
		close(fd);
		return run_audit_end(&ra, EXIT_SANDBOX, false);
	}
	if (started == 0) {
		static const struct rung full = { .level = 1, .name = "full" };
		r = run_sandboxed(h, &b, &cp, cmd, &o, &ra, t0, t1, fd, shim_sock, net_fd,
				  net ? &egress : NULL, &full);
		close(fd);
		close_shim_fds(shim_sock, net_fd);
		return run_audit_end(&ra, r, o.fail_on_violation);
	}
	/*
	 * No user namespaces: down the ladder. The supervisor (and Landlock
	 * where the kernel has it) still enforce deny_read, deny_exec and the
	 * write roots; what they cannot is said, and refused without
	 * --allow-degraded.
	 */
	struct features f;
	features_probe(&f);
	if (f.seccomp_notif) {
		struct rung rung = { .level = f.landlock_abi > 0 ? 2 : 3,
				     .landlock_abi = f.landlock_abi,
				     .fix = f.userns_hint[0] ? f.userns_hint
							     : "enable user namespaces" };
		rung.name =
			rung.level == 2 ? "no user namespaces" : "no user namespaces, no Landlock";
		rung_flat_gaps(&rung, &b);
		log_debug("cannot create the sandbox's namespaces (%s): rung %d",
			  strerror(-started), rung.level);
		r = run_sandboxed(NULL, &b, &cp, cmd, &o, &ra, t0, t1, fd, shim_sock, net_fd,
				  net ? &egress : NULL, &rung);
		close(fd);
		close_shim_fds(shim_sock, net_fd);
		return run_audit_end(&ra, r, o.fail_on_violation);
	}
	close_shim_fds(shim_sock, net_fd);
	if (o.degraded) {
		static const char *const unenforced[] = {
			"deny_read",	  "allow_write", "deny_exec (child processes)",
			"allow_net",	  "mask_stdout", "resource_limits",
			"seccomp filter", NULL
		};
		if (plan_masks_early(&b, &cp, &ra) < 0)
			r = EXIT_SANDBOX;
		else if ((r = run_audit_start(&ra, cmd, &b, "command-line", unenforced)) == 0)
			r = run_unsandboxed(cmd);
		close(fd);
		return run_audit_end(&ra, r, o.fail_on_violation);
	}
	close(fd);
	log_error("cannot create the sandbox's namespaces (%s), and without seccomp user "
		  "notification there is no supervisor either; refusing to run '%s' unprotected. "
		  "Fix: %s. Or pass --allow-degraded (see `aigate doctor`)",
		  strerror(-started), cmd[0],
		  f.userns_hint[0] ? f.userns_hint : "enable user namespaces");
	return run_audit_end(&ra, EXIT_SANDBOX, false);
}
