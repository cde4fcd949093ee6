/* pager.c — menjin-cli's output (see pager.h). */
#include "pager.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "cli_format.h"

#define PROMPT "-- more -- (space: next page, enter: next line, q: quit)"

unsigned pager_width(void)
{
	struct winsize ws;
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
		if (ws.ws_col < CLI_WIDTH_MIN)
			return CLI_WIDTH_MIN;
		return ws.ws_col > CLI_WIDTH_MAX ? CLI_WIDTH_MAX : ws.ws_col;
	}
	return CLI_WIDTH_DEFAULT;
}

static unsigned screen_rows(void)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 2)
		return ws.ws_row;
	return 24;
}

bool pager_possible(void)
{
	return isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
}

int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* One key from the terminal, without echo; -1 on Ctrl-C or an error. */
static int read_key(const volatile sig_atomic_t *stop)
{
	struct termios old, raw;
	unsigned char ch = 0;
	ssize_t r;
	if (tcgetattr(STDIN_FILENO, &old) < 0)
		return -1;
	raw = old;
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	do {
		r = read(STDIN_FILENO, &ch, 1);
	} while (r < 0 && errno == EINTR && !(stop && *stop));
	tcsetattr(STDIN_FILENO, TCSANOW, &old);
	return r == 1 ? ch : -1;
}

/* Offset of the end of the n-th line from p (or len). */
static size_t lines_end(const char *p, size_t len, unsigned n)
{
	size_t off = 0;
	while (n-- && off < len) {
		const char *nl = memchr(p + off, '\n', len - off);
		off = nl ? (size_t)(nl - p) + 1 : len;
	}
	return off;
}

int pager_write(const char *text, size_t len, bool page, const volatile sig_atomic_t *stop)
{
	int rc;
	if (!page || !pager_possible())
		return write_all(STDOUT_FILENO, text, len);
	unsigned rows = screen_rows() - 1;
	size_t off = lines_end(text, len, rows);
	if ((rc = write_all(STDOUT_FILENO, text, off)) < 0)
		return rc;
	while (off < len) {
		if (stop && *stop)
			return 0;
		write_all(STDOUT_FILENO, PROMPT, sizeof(PROMPT) - 1);
		int key = read_key(stop);
		/* erase the prompt: what follows starts on a clean line */
		char erase[sizeof(PROMPT) + 2];
		memset(erase, ' ', sizeof(erase));
		erase[0] = erase[sizeof(erase) - 1] = '\r';
		write_all(STDOUT_FILENO, erase, sizeof(erase));
		unsigned more;
		if (key == ' ')
			more = rows;
		else if (key == '\r' || key == '\n' || key == 'j')
			more = 1;
		else if (key == 'q' || key == 'Q' || key < 0 || key == 3 || key == 4)
			return 0;
		else
			continue;
		size_t next = off + lines_end(text + off, len - off, more);
		if ((rc = write_all(STDOUT_FILENO, text + off, next - off)) < 0)
			return rc;
		off = next;
	}
	return 0;
}
