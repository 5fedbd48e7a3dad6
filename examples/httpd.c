/* The server example: a small static HTTP/1.0 server for a directory (argv[1], default /docroot).
 * WASI preview1 cannot open a listening socket itself; the shim opens it from the annotation
 * io.wasmshim.tcplisten=ADDR:PORT and hands it to the guest as an inherited descriptor, which
 * this program finds by its file type. One request per connection, GET and HEAD only; each
 * request is logged on stdout (`docker logs`). It serves until it is stopped.
 * It is single-threaded and reads each request with a blocking read and no timeout: one client
 * that connects and sends nothing stalls every other client until it closes the connection.
 * Fine for a demo, not for a real server (which would poll_oneoff over several connections). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wasi/api.h>

/* The first descriptor that is a stream socket: the listener (fd 4 after the root preopen). */
static int find_listener(void) {
  for (__wasi_fd_t fd = 3; fd < 64; ++fd) {
    __wasi_fdstat_t st;
    if (__wasi_fd_fdstat_get(fd, &st) == 0 && st.fs_filetype == __WASI_FILETYPE_SOCKET_STREAM) {
      return (int)fd;
    }
  }
  return -1;
}

static void send_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w <= 0) return; /* the client went away */
    p += w;
    n -= (size_t)w;
  }
}

static const char* content_type(const char* path) {
  const char* dot = strrchr(path, '.');
  if (!dot) return "application/octet-stream";
  if (!strcmp(dot, ".html")) return "text/html; charset=utf-8";
  if (!strcmp(dot, ".txt")) return "text/plain; charset=utf-8";
  if (!strcmp(dot, ".css")) return "text/css";
  if (!strcmp(dot, ".js")) return "text/javascript";
  if (!strcmp(dot, ".json")) return "application/json";
  if (!strcmp(dot, ".png")) return "image/png";
  if (!strcmp(dot, ".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

static int reply_status(int conn, int code, const char* reason) {
  char head[256];
  int n = snprintf(head, sizeof head,
                   "HTTP/1.0 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
                   "Connection: close\r\n\r\n%s\n",
                   code, reason, strlen(reason) + 1, reason);
  send_all(conn, head, (size_t)n);
  return code;
}

/* Reads the request head (up to 4 KiB or the blank line). */
static size_t read_request(int conn, char* buf, size_t cap) {
  size_t len = 0;
  while (len + 1 < cap) {
    ssize_t r = read(conn, buf + len, cap - 1 - len);
    if (r <= 0) break;
    len += (size_t)r;
    buf[len] = 0;
    if (strstr(buf, "\r\n\r\n") || strstr(buf, "\n\n")) break;
  }
  buf[len] = 0;
  return len;
}

static int serve_file(int conn, const char* root, const char* target, int head_only) {
  char path[1024];
  const char* rel = strcmp(target, "/") == 0 ? "/index.html" : target;
  if (snprintf(path, sizeof path, "%s%s", root, rel) >= (int)sizeof path) {
    return reply_status(conn, 414, "URI Too Long");
  }
  int fd = open(path, O_RDONLY);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    if (fd >= 0) close(fd);
    return reply_status(conn, 404, "Not Found");
  }
  char head[256];
  int n = snprintf(head, sizeof head,
                   "HTTP/1.0 200 OK\r\nContent-Type: %s\r\nContent-Length: %lld\r\n"
                   "Server: wasmshim-httpd\r\nConnection: close\r\n\r\n",
                   content_type(rel), (long long)st.st_size);
  send_all(conn, head, (size_t)n);
  char buf[16384];
  ssize_t r;
  while (!head_only && (r = read(fd, buf, sizeof buf)) > 0) send_all(conn, buf, (size_t)r);
  close(fd);
  return 200;
}

static void handle(int conn, const char* root) {
  char req[4096];
  read_request(conn, req, sizeof req);
  char method[8] = "", target[2048] = "";
  int status;
  if (sscanf(req, "%7s %2047s", method, target) != 2 || target[0] != '/') {
    status = reply_status(conn, 400, "Bad Request");
  } else if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
    status = reply_status(conn, 405, "Method Not Allowed");
  } else if (strstr(target, "..") || strchr(target, '?') || strchr(target, '%')) {
    status = reply_status(conn, 400, "Bad Request"); /* no traversal, no queries */
  } else {
    status = serve_file(conn, root, target, strcmp(method, "HEAD") == 0);
  }
  printf("%s %s -> %d\n", method[0] ? method : "-", target[0] ? target : "-", status);
  fflush(stdout);
}

int main(int argc, char** argv) {
  const char* root = argc > 1 ? argv[1] : "/docroot";
  int listener = find_listener();
  if (listener < 0) {
    fprintf(stderr,
            "httpd: no listening socket; run with the annotation "
            "io.wasmshim.tcplisten=0.0.0.0:8080\n");
    return 2;
  }
  printf("httpd: serving %s on fd %d\n", root, listener);
  fflush(stdout);
  for (;;) {
    __wasi_fd_t conn;
    __wasi_errno_t err = __wasi_sock_accept((__wasi_fd_t)listener, 0, &conn);
    if (err != 0) {
      fprintf(stderr, "httpd: sock_accept: %s\n", strerror(err));
      return 1;
    }
    handle((int)conn, root);
    close((int)conn);
  }
}
