/* The init of the guest (kernel/vm.ts): pid 1 of a Linux booted under QEMU to run the executor.
 *
 * Mounts /dev, /proc and /sys, puts the protocol serial port (ttyS0, QEMU's stdio) in raw mode so that
 * bytes pass unchanged both ways, announces the booted kernel on it ("boot <release>"), and runs
 * "/executor serve" with that port as its stdin and stdout and the console port (ttyS1) as its stderr.
 * Nothing is sent to the port before the announcement: the UART drops what arrives before it is opened.
 * When the executor ends (its input closed), the machine powers off. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static void say(const char *what)
{
	dprintf(2, "timens-init: %s: %s\n", what, strerror(errno));
}

int main(void)
{
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	int console = open("/dev/ttyS1", O_WRONLY | O_NOCTTY);
	if (console >= 0)
		dup2(console, 2);
	int port = open("/dev/ttyS0", O_RDWR | O_NOCTTY);
	if (port < 0) {
		say("open /dev/ttyS0");
		reboot(RB_POWER_OFF);
	}
	struct termios tio;
	if (tcgetattr(port, &tio) == 0) {
		cfmakeraw(&tio);
		cfsetispeed(&tio, B115200);
		cfsetospeed(&tio, B115200);
		tio.c_cflag |= CLOCAL | CREAD;
		tcsetattr(port, TCSANOW, &tio);
	}
	tcflush(port, TCIOFLUSH);
	struct utsname u;
	uname(&u);
	dprintf(port, "boot %s\n", u.release);
	pid_t e = fork();
	if (e == 0) {
		dup2(port, 0);
		dup2(port, 1);
		if (port > 2)
			close(port);
		if (console > 2)
			close(console);
		execl("/executor", "/executor", "serve", (char *)NULL);
		say("exec /executor");
		_exit(127);
	}
	/* pid 1 reaps whatever is orphaned to it (the executor is the subreaper of its own tasks). */
	for (;;) {
		int status;
		pid_t p = wait(&status);
		if (p == e || (p < 0 && errno == ECHILD))
			break;
	}
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
