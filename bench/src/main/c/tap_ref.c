/*
 * tap_ref: the plain C baseline for TapBench. A minimal read/write loop over a TAP, and a frame
 * blaster that makes the kernel transmit into a TAP through an AF_PACKET socket. Not part of the
 * build; compile by hand:  cc -O2 -o tap_ref bench/src/main/c/tap_ref.c
 *
 *   tap_ref write IFNAME SIZE COUNT    create/attach TAP IFNAME, write COUNT frames of SIZE bytes
 *   tap_ref read  IFNAME SECONDS       create/attach TAP IFNAME, read frames for SECONDS
 *   tap_ref send  IFNAME SIZE SECONDS  send frames out of interface IFNAME (AF_PACKET) for SECONDS
 *
 * Frames use ethertype 0x88B5 (IEEE local experimental), so the kernel drops what it receives
 * right after eth_type_trans. Use it inside a network namespace, with addresses from
 * 198.18.0.0/15 if any (TapBench sets everything up the same way for the Java driver).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/ethernet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

unsigned int if_nametoindex(const char *ifname); /* <net/if.h> clashes with <linux/if.h> */

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int tap_open(const char *name) {
    int fd = open("/dev/net/tun", O_RDWR);
    if (fd < 0) { perror("open /dev/net/tun"); exit(1); }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) { perror("TUNSETIFF"); exit(1); }
    return fd;
}

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: see the comment at the top\n"); return 2; }
    unsigned char frame[65536];
    memset(frame, 0, sizeof frame);
    memset(frame, 0xff, 6);
    frame[6] = 0x02; frame[11] = 0x01;
    frame[12] = 0x88; frame[13] = 0xb5;
    if (!strcmp(argv[1], "write")) {
        int fd = tap_open(argv[2]);
        int size = atoi(argv[3]);
        long count = atol(argv[4]);
        printf("ready\n"); fflush(stdout);
        getchar(); /* wait until the caller has configured the interface */
        double t0 = now();
        for (long i = 0; i < count; i++) {
            if (write(fd, frame, size) != size) { perror("write"); return 1; }
        }
        double t = now() - t0;
        printf("write %d bytes: %ld frames in %.3f s = %.0f frames/s\n", size, count, t, count / t);
    } else if (!strcmp(argv[1], "read")) {
        int fd = tap_open(argv[2]);
        double secs = atof(argv[3]);
        printf("ready\n"); fflush(stdout);
        getchar();
        long n = 0;
        double t0 = now(), end = t0 + secs;
        unsigned char buf[65536];
        while (now() < end) {
            /* blocking read, as the simplest loop does */
            if (read(fd, buf, sizeof buf) > 0) n++;
        }
        double t = now() - t0;
        printf("read: %ld frames in %.3f s = %.0f frames/s\n", n, t, n / t);
    } else if (!strcmp(argv[1], "send")) {
        int ifindex = if_nametoindex(argv[2]);
        int size = atoi(argv[3]);
        double secs = atof(argv[4]);
        int s = socket(AF_PACKET, SOCK_RAW, 0);
        if (s < 0) { perror("socket"); return 1; }
        int one = 1;
        setsockopt(s, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);
        struct sockaddr_ll sll;
        memset(&sll, 0, sizeof sll);
        sll.sll_family = AF_PACKET;
        sll.sll_ifindex = ifindex;
        sll.sll_protocol = htons(0x88b5);
        if (bind(s, (struct sockaddr *) &sll, sizeof sll) < 0) { perror("bind"); return 1; }
        long n = 0, tries = 0;
        double t0 = now(), end = t0 + secs;
        while ((++tries & 1023) || now() < end) {
            if (send(s, frame, size, 0) == size) n++;
        }
        printf("send: %ld frames in %.3f s\n", n, now() - t0);
    }
    return 0;
}
