/*
 * listen.c -- the LISTEN client of bench/listen.sh: prints, for every
 * notification it receives, how long after its commit time it arrived.
 *
 *   listen CONNINFO CHANNEL...
 *
 * It LISTENs on each channel and, for each notification, prints one line
 * "<channel> <ms> <tick> <receipt>": the receipt time (CLOCK_REALTIME, taken
 * as soon as the notification is read off the socket) minus the commit time
 * the payload carries, the payload's "tick" ("-" if none), and the receipt
 * time in seconds since the epoch.  That time is the "at" field of a sim_tick payload (taken in the
 * tick's pre-commit callback, src/notify.c), or the whole payload when it is
 * not JSON (the peer sends clock_timestamp()::text).  Both are written by
 * timestamptz output in ISO style with a UTC offset, on the same machine's
 * clock.  It does nothing else between notifications (no catch-up query),
 * so its own work never delays a receipt.
 *
 * Ends with status 0 on SIGINT or SIGTERM, 1 on a lost connection or error.
 */
#define _DEFAULT_SOURCE

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>

#include <libpq-fe.h>

static volatile sig_atomic_t stop_requested = 0;

static void
on_signal(int signo)
{
	(void) signo;
	stop_requested = 1;
}

static double
now_epoch(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/*
 * Parse "YYYY-MM-DD HH:MM:SS[.ffffff]+HH[:MM[:SS]]" (timestamptz output,
 * DateStyle ISO) into seconds since the epoch; false if s is anything else.
 */
static bool
parse_timestamptz(const char *s, double *out)
{
	struct tm	tm;
	double		sec;
	int			n = 0;
	int			oh = 0;
	int			om = 0;
	int			os = 0;
	int			sign;
	const char *p;
	time_t		t;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%d-%d-%d %d:%d:%lf%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
			   &tm.tm_hour, &tm.tm_min, &sec, &n) != 6)
		return false;
	p = s + n;
	if (*p != '+' && *p != '-')
		return false;
	sign = *p == '-' ? -1 : 1;
	if (sscanf(p + 1, "%d:%d:%d", &oh, &om, &os) < 1)
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_sec = 0;
	t = timegm(&tm);
	*out = (double) t + sec - sign * (oh * 3600.0 + om * 60.0 + os);
	return true;
}

/* The commit time a payload carries: its "at" field, or the whole payload. */
static bool
payload_time(const char *payload, double *at)
{
	const char *v = strstr(payload, "\"at\": \"");

	if (payload[0] != '{')
		return parse_timestamptz(payload, at);
	if (v == NULL)
		return false;
	return parse_timestamptz(v + strlen("\"at\": \""), at);
}

/* The "tick" field of a JSON payload as text, or "-". */
static const char *
payload_tick(const char *payload)
{
	static char tick[32];
	const char *v = strstr(payload, "\"tick\": ");

	if (payload[0] != '{' || v == NULL ||
		sscanf(v + strlen("\"tick\": "), "%31[0-9]", tick) != 1)
		return "-";
	return tick;
}

static void
listen_on(PGconn *conn, const char *channel)
{
	char	   *id = PQescapeIdentifier(conn, channel, strlen(channel));
	char		sql[256];
	PGresult   *res;

	snprintf(sql, sizeof(sql), "LISTEN %s", id);
	PQfreemem(id);
	res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
	{
		fprintf(stderr, "listen: %s", PQerrorMessage(conn));
		exit(1);
	}
	PQclear(res);
}

int
main(int argc, char **argv)
{
	PGconn	   *conn;
	int			i;

	if (argc < 3)
	{
		fprintf(stderr, "usage: listen CONNINFO CHANNEL...\n");
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	conn = PQconnectdb(argv[1]);
	if (PQstatus(conn) != CONNECTION_OK)
	{
		fprintf(stderr, "listen: %s", PQerrorMessage(conn));
		return 1;
	}
	for (i = 2; i < argc; i++)
		listen_on(conn, argv[i]);
	printf("ready\n");
	fflush(stdout);

	while (!stop_requested)
	{
		int			sock = PQsocket(conn);
		fd_set		in;
		PGnotify   *note;

		FD_ZERO(&in);
		FD_SET(sock, &in);
		if (select(sock + 1, &in, NULL, NULL, NULL) < 0)
		{
			if (errno == EINTR)
				continue;
			perror("listen: select");
			return 1;
		}
		if (!PQconsumeInput(conn))
		{
			fprintf(stderr, "listen: %s", PQerrorMessage(conn));
			return 1;
		}
		while ((note = PQnotifies(conn)) != NULL)
		{
			double		received = now_epoch();
			double		at;

			if (payload_time(note->extra, &at))
				printf("%s %.3f %s %.6f\n", note->relname, (received - at) * 1000.0,
					   payload_tick(note->extra), received);
			else
				fprintf(stderr, "listen: no commit time in the payload %s\n", note->extra);
			PQfreemem(note);
		}
		fflush(stdout);
	}
	PQfinish(conn);
	return 0;
}
