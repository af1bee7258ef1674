/* SPDX-License-Identifier: MIT */
/*
 * deny_stub.c — what a denied command becomes inside the sandbox. aigate
 * overmounts every executable a whole-command deny_exec rule names with a
 * copy of this program whose message area it has patched for that rule, so
 * running it by any path, copying it, or loading it through the dynamic
 * loader (`ld.so /usr/bin/curl`: it is an ordinary dynamic PIE for that
 * reason) all print the rule and exit 126.
 */
#include <unistd.h>

#define STUB_MESSAGE_SIZE 512

/*
 * volatile: the compiler must not fold the placeholder's length at build
 * time, or the patched message would be cut to the placeholder's length.
 */
__attribute__((used)) static volatile const char stub_message[STUB_MESSAGE_SIZE] =
	"@@AIGATE-DENY-STUB-MESSAGE@@ aigate: this command is denied by policy\n";

int main(void)
{
	char buf[STUB_MESSAGE_SIZE];
	size_t n = 0;

	while (n < sizeof(buf) && stub_message[n]) {
		buf[n] = stub_message[n];
		n++;
	}
	if (write(STDERR_FILENO, buf, n) < 0)
		return 126;
	return 126; /* the convention of env, timeout, docker run: found but cannot run */
}
