/* SPDX-License-Identifier: MIT */
/*
 * sandbox_net.c — loopback and the egress's listeners in the sandbox's
 * network namespace (sandbox_net.h). The setup runs in init after clone():
 * async-signal-safe calls only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "launcher/sandbox_net.h"

static int bring_up_loopback(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = 0;
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, "lo", 3);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		r = -errno;
	else if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
			r = -errno;
	}
	close(fd);
	return r;
}

static int listener(int type, unsigned short port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1, fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 128) < 0)) {
		int e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

int sbx_send_fds(int sock, char tag, const int *fds, size_t n)
{
	char cbuf[CMSG_SPACE(sizeof(int) * SBX_NET_NFDS)];
	if (n == 0 || n > SBX_NET_NFDS)
		return -EINVAL;
	memset(cbuf, 0, sizeof(cbuf));
	struct iovec iov = { &tag, 1 };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = CMSG_SPACE(sizeof(int) * n) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * n);
	memcpy(CMSG_DATA(cm), fds, sizeof(int) * n);
	return sendmsg(sock, &mh, MSG_NOSIGNAL) == 1 ? 0 : -errno;
}

int sbx_net_setup(int sock)
{
	static const struct {
		int type;
		unsigned short port;
	} want[SBX_NET_NFDS] = {
		[SBX_NET_FD_HTTP] = { SOCK_STREAM, SBX_NET_HTTP_PORT },
		[SBX_NET_FD_SOCKS] = { SOCK_STREAM, SBX_NET_SOCKS_PORT },
		[SBX_NET_FD_DNS_UDP] = { SOCK_DGRAM, SBX_NET_DNS_PORT },
		[SBX_NET_FD_DNS_TCP] = { SOCK_STREAM, SBX_NET_DNS_PORT },
	};
	int fds[SBX_NET_NFDS], r = bring_up_loopback();
	size_t n = 0;

	if (r < 0)
		return r;
	for (; n < SBX_NET_NFDS; n++) {
		/* Port 53 needs CAP_NET_BIND_SERVICE: init has it over this namespace, CMD never. */
		if ((fds[n] = listener(want[n].type, want[n].port)) < 0) {
			r = fds[n];
			goto out;
		}
	}
	r = sbx_send_fds(sock, 'N', fds, SBX_NET_NFDS);
out:
	/* Sent (the supervisor holds them now) or failed: init keeps none. */
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
	return r;
}

int sbx_net_recv(int sock, int fds[SBX_NET_NFDS])
{
	char tag;
	char cbuf[CMSG_SPACE(sizeof(int) * SBX_NET_NFDS)];
	struct iovec iov = { &tag, 1 };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	ssize_t n;
	do {
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n < 0 ? -errno : -ENODATA;
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
	    (mh.msg_flags & MSG_CTRUNC))
		return -EPROTO;
	size_t nfds = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
	size_t want = tag == 'N' ? SBX_NET_NFDS : 1;
	int got[SBX_NET_NFDS];
	memcpy(got, CMSG_DATA(cm), nfds * sizeof(int));
	if ((tag != 'N' && tag != 'L') || nfds != want) {
		for (size_t i = 0; i < nfds; i++)
			close(got[i]);
		return -EPROTO;
	}
	memcpy(fds, got, want * sizeof(int));
	return tag;
}
