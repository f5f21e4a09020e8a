#ifndef ALMANAC_SHIMS_H
#define ALMANAC_SHIMS_H
#include <spawn.h>

/// pipe2(fds, O_CLOEXEC): both ends close-on-exec, atomically (no leak into concurrent spawns).
int almanac_pipe_cloexec(int fds[2]);
/// posix_spawn_file_actions_addchdir_np (glibc >= 2.29).
int almanac_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path);
/// posix_spawn_file_actions_addclosefrom_np (glibc >= 2.34): close every fd >= from in the child.
int almanac_spawn_addclosefrom(posix_spawn_file_actions_t *actions, int from);
#endif
