/* SPDX-License-Identifier: MIT */
/* rc_files.c — the files below the home that the host later runs or obeys (rc_files.h). */
#include "launcher/rc_files.h"

const char *const rc_files[] = {
	".bashrc",
	".bash_profile",
	".bash_login",
	".bash_logout",
	".profile",
	".zshrc",
	".zshenv",
	".zprofile",
	".zlogin",
	".zlogout",
	".inputrc",
	".gitconfig",
	".config/git/config",
	".config/fish/config.fish",
};

const size_t rc_files_n = sizeof(rc_files) / sizeof(rc_files[0]);
