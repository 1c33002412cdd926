#pragma once
// file_kind: what a path is when it is not a regular file, in the words of the messages that
// refuse it (the readers read only regular files; atomic_file replaces only regular files).

#include <sys/stat.h>

namespace typenet::detail {

/// "a directory", "a FIFO (named pipe)", ... for a mode that is not a regular file's.
inline const char* file_kind(mode_t mode) {
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISFIFO(mode))
        return "a FIFO (named pipe)";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    if (S_ISSOCK(mode))
        return "a socket";
    if (S_ISLNK(mode))
        return "a symbolic link";
    return "a special file";
}

} // namespace typenet::detail
