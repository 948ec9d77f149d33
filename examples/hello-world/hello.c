/*
 * wharf's hello-world: a tiny static program with no C library, so that its image is a single
 * small file (FROM scratch). It writes its greeting with the write(2) system call and exits 0.
 */
#include <stddef.h>

static const char greeting[] =
    "\n"
    "Hello from wharf!\n"
    "This message shows that your installation appears to be working correctly.\n"
    "\n"
    "To generate this message, wharf took these steps:\n"
    " 1. wharf looked for the image locally and did not find it.\n"
    " 2. wharf pulled the image from the registry, verifying every byte it received.\n"
    " 3. wharf unpacked the image's layer once and gave the container its own writable layer.\n"
    " 4. wharf asked runc to start a container from that image, which ran this program,\n"
    "    and streamed its output to your terminal.\n"
    "\n"
    "To try something more ambitious, run a shell in a busybox image with:\n"
    " $ wharf run -it IMAGE sh\n"
    "\n";

static long sys3(long n, long a, long b, long c) {
  long ret;
#if defined(__x86_64__)
  __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
#elif defined(__aarch64__)
  register long x8 __asm__("x8") = n;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
  ret = x0;
#else
#error "unsupported architecture"
#endif
  return ret;
}

#if defined(__x86_64__)
#define SYS_WRITE 1
#define SYS_EXIT 60
#else
#define SYS_WRITE 64
#define SYS_EXIT 93
#endif

void _start(void) {
  size_t left = sizeof(greeting) - 1;
  const char *p = greeting;
  while (left > 0) {
    long n = sys3(SYS_WRITE, 1, (long)p, (long)left);
    if (n <= 0) sys3(SYS_EXIT, 1, 0, 0);
    p += n;
    left -= (size_t)n;
  }
  sys3(SYS_EXIT, 0, 0, 0);
  for (;;) {
  }
}
