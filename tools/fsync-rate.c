/* fsync-rate: how many write+fdatasync round trips per second a directory's disk sustains.
 *
 * usage: fsync-rate DIR [SECONDS]     prints one JSON line: {"fdatasync_per_s":N,"mean_ms":M}
 *
 * Writes 4 KiB blocks one after another into a preallocated 8 MiB file in DIR (wrapping at the
 * end, like a write-ahead log that is reused after a checkpoint) and calls fdatasync after each,
 * for SECONDS (default 2). Every durable commit costs at least one such round trip, so this is
 * the single-writer ceiling of an engine that commits one message per transaction. The file is
 * removed at exit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "--help")) {
    fprintf(stderr, "usage: fsync-rate DIR [SECONDS]\n");
    return 2;
  }
  double seconds = argc > 2 ? atof(argv[2]) : 2.0;
  if (seconds <= 0) seconds = 2.0;
  const size_t block = 4096, file_size = 8u << 20;
  char path[4096];
  snprintf(path, sizeof path, "%s/fsync-rate.XXXXXX", argv[1]);
  int fd = mkstemp(path);
  if (fd < 0) {
    fprintf(stderr, "fsync-rate: cannot create a file in %s: %s\n", argv[1], strerror(errno));
    return 1;
  }
  unlink(path); /* the inode lives until close */
  if (posix_fallocate(fd, 0, (off_t)file_size) != 0 || fsync(fd) != 0) {
    fprintf(stderr, "fsync-rate: cannot preallocate: %s\n", strerror(errno));
    return 1;
  }
  char buf[4096];
  memset(buf, 'x', sizeof buf);
  long n = 0;
  off_t off = 0;
  double start = now_s(), end = start + seconds, t = start;
  while (t < end) {
    if (pwrite(fd, buf, block, off) != (ssize_t)block || fdatasync(fd) != 0) {
      fprintf(stderr, "fsync-rate: write/fdatasync failed: %s\n", strerror(errno));
      return 1;
    }
    off = (off_t)((off + block) % file_size);
    ++n;
    t = now_s();
  }
  close(fd);
  double elapsed = t - start;
  printf("{\"fdatasync_per_s\":%.0f,\"mean_ms\":%.3f,\"n\":%ld}\n", n / elapsed,
         elapsed * 1e3 / n, n);
  return 0;
}
