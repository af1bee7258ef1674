#!/bin/sh
# no_userns.sh CMD… — run CMD where aigate can create no namespace (the
# fallback rungs, docs/fallback.md), as issue 9 asks: called inside
# `unshare --user --map-root-user`, it sets user.max_user_namespaces to 0 in
# that user namespace (so no user namespace can be made below it), then
# execs CMD with every capability dropped and SECBIT_NOROOT locked (so uid
# 0 there gains none at exec, and CLONE_NEWNS without a user namespace
# fails with EPERM).
echo 0 >/proc/sys/user/max_user_namespaces || exit 99
exec setpriv --inh-caps=-all --bounding-set=-all \
	--securebits=+noroot,+noroot_locked,+no_setuid_fixup,+no_setuid_fixup_locked,+keep_caps_locked \
	-- "$@"
