/*
 * sim-follow.c -- an example client that follows a sim universe tick by tick.
 *
 * It prints one line per committed tick, "tick N changes M", where M is the
 * number of rows sim.changes_since returned for that tick: every tick once,
 * in order, none skipped, across lost connections and server restarts.
 * When the universe is replaced (generated again, rolled back, imported:
 * its epoch changes) it prints "reload epoch E tick T" and follows the new
 * universe from its tick T.
 *
 *   sim-follow [--since TICK] [--sectors 1,2] [--latency] CONNINFO
 *
 * How it follows (docs/clients.md explains why this is gap-free):
 *   1. connect; LISTEN sim_tick (or sim_sector_<id> for each of --sectors);
 *   2. read the universe's epoch and start from --since, else from its
 *      current tick;
 *   3. catch up: read every change after the last tick seen with
 *      sim.changes_since(last, sectors, epoch), report the ticks up to the
 *      newest one known to have committed, and advance last;
 *   4. wait on the connection's socket; every notification (or, failing
 *      one, a heartbeat every HEARTBEAT_S seconds) means "do step 3 again".
 *      The payload is only a wake-up: the data always comes from the query.
 *   5. when the connection is lost, reconnect with a bounded backoff, LISTEN
 *      again and go to step 3: the catch-up fills in whatever was missed;
 *   6. when the catch-up fails with SM012 (the epoch is no longer the
 *      universe's), or a notification names another epoch or says
 *      "reload": true, reload: read the new universe's tick and epoch in one
 *      statement and go on from there (a real client would reload its copy
 *      of the state in that transaction, docs/clients.md).
 *
 * Exit status: 0 after SIGINT or SIGTERM; 1 on an error; 2 on bad usage;
 * 3 when the server no longer keeps the changes after the last tick seen
 * (SQLSTATE SM010): the client must then reload a snapshot.
 *
 * Build:
 *   cc -Wall -Wextra -o sim-follow sim-follow.c \
 *      -I$(pg_config --includedir) -L$(pg_config --libdir) -lpq
 *
 * Only libpq and POSIX.  Signals (SIGINT, SIGTERM) are blocked except while
 * waiting in pselect(), so one arriving at any other moment is seen at the
 * next wait, never lost, and never interrupts a query half-way.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>

#include <libpq-fe.h>

#define EXIT_ERROR			1
#define EXIT_USAGE			2
#define EXIT_SNAPSHOT		3

#define HEARTBEAT_S			10		/* catch up at least this often */
#define BACKOFF_FIRST_MS	100		/* first wait before reconnecting again */
#define BACKOFF_MAX_MS		5000	/* the longest wait between attempts */
#define MAX_SECTORS			256

static volatile sig_atomic_t stop_requested = 0;

/* What the command line asked for. */
typedef struct Options
{
	const char *conninfo;
	bool		have_since;
	int64_t		since;
	int			nsectors;
	int			sectors[MAX_SECTORS];
	char		sectors_array[MAX_SECTORS * 12 + 3];	/* "{1,2}", or "" */
	bool		latency;
} Options;

/* Where the follower stands. */
typedef struct Follower
{
	PGconn	   *conn;
	int64_t		last;			/* every tick <= last has been reported */
	int64_t		epoch;			/* the epoch of the universe we follow */
	int64_t		notified;		/* newest tick a notification of our epoch
								 * named */
	bool		reload_due;		/* a notification said the universe was
								 * replaced */
	sigset_t	waitmask;		/* the signal mask while waiting */
} Follower;

/* The outcome of a query or a wait. */
typedef enum Outcome
{
	OK,
	LOST,						/* the connection is gone: reconnect */
	TOO_OLD,					/* SM010: the changes we need are gone */
	REPLACED,					/* SM012: the universe was replaced */
	FAILED						/* anything else: give up */
} Outcome;

static void
on_signal(int signo)
{
	(void) signo;
	stop_requested = 1;
}

static void
usage(FILE *to)
{
	fprintf(to,
			"usage: sim-follow [--since TICK] [--sectors ID,...] [--latency] CONNINFO\n"
			"  --since TICK     report the ticks after TICK (default: from now on)\n"
			"  --sectors ID,... follow only the changes of these sectors\n"
			"  --latency        for each sim_tick notification, print latency_ms <ms>\n"
			"exit status: 0 on SIGINT/SIGTERM, 1 on error, 2 on bad usage,\n"
			"             3 when the changes since TICK are gone (reload a snapshot)\n");
}

/* Parse a decimal integer in [min, max]; false if s is anything else. */
static bool
parse_int64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char	   *end;
	long long	v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return false;
	*out = (int64_t) v;
	return true;
}

/* Parse "1,2,3" into opts->sectors and the array literal "{1,2,3}". */
static bool
parse_sectors(const char *list, Options *opts)
{
	char	   *copy = strdup(list);
	char	   *save = NULL;
	char	   *item;
	size_t		len;
	bool		ok = true;

	if (copy == NULL)
		return false;
	strcpy(opts->sectors_array, "{");
	for (item = strtok_r(copy, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save))
	{
		int64_t		id;

		if (opts->nsectors == MAX_SECTORS || !parse_int64(item, 1, INT32_MAX, &id))
		{
			ok = false;
			break;
		}
		opts->sectors[opts->nsectors++] = (int) id;
		len = strlen(opts->sectors_array);
		snprintf(opts->sectors_array + len, sizeof(opts->sectors_array) - len,
				 "%s%d", opts->nsectors > 1 ? "," : "", (int) id);
	}
	free(copy);
	if (opts->nsectors == 0)
		ok = false;
	strcat(opts->sectors_array, "}");
	return ok;
}

static void
parse_options(int argc, char **argv, Options *opts)
{
	static const struct option longopts[] = {
		{"since", required_argument, NULL, 's'},
		{"sectors", required_argument, NULL, 'S'},
		{"latency", no_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	int			c;

	memset(opts, 0, sizeof(*opts));
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1)
	{
		switch (c)
		{
			case 's':
				if (!parse_int64(optarg, 0, INT64_MAX, &opts->since))
				{
					fprintf(stderr, "sim-follow: --since needs a tick (an integer >= 0), not \"%s\"\n", optarg);
					exit(EXIT_USAGE);
				}
				opts->have_since = true;
				break;
			case 'S':
				if (!parse_sectors(optarg, opts))
				{
					fprintf(stderr, "sim-follow: --sectors needs sector ids (positive integers, "
							"at most %d) separated by commas, not \"%s\"\n", MAX_SECTORS, optarg);
					exit(EXIT_USAGE);
				}
				break;
			case 'l':
				opts->latency = true;
				break;
			case 'h':
				usage(stdout);
				exit(0);
			default:
				usage(stderr);
				exit(EXIT_USAGE);
		}
	}
	if (optind != argc - 1)
	{
		usage(stderr);
		exit(EXIT_USAGE);
	}
	opts->conninfo = argv[optind];
}

/* The current time of the realtime clock, in seconds since the epoch. */
static double
now_epoch(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Days from 1970-01-01 to the given proleptic Gregorian date. */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t		era;
	int64_t		yoe;
	int64_t		doy;
	int64_t		doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/*
 * Parse a timestamptz as the server prints it with DateStyle ISO,
 * "2026-11-21 08:03:13.205115+00" (the offset may be +HH, +HH:MM or
 * +HH:MM:SS), into seconds since the epoch.  False for any other form.
 */
static bool
parse_timestamptz(const char *s, double *epoch)
{
	int			y,
				mo,
				d,
				h,
				mi,
				n = 0;
	int			oh = 0,
				om = 0,
				os = 0;
	double		sec;
	int			sign;
	const char *p;

	if (sscanf(s, "%4d-%2d-%2d %2d:%2d:%lf%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6)
		return false;
	p = s + n;
	if (*p != '+' && *p != '-')
		return false;
	sign = *p == '-' ? -1 : 1;
	if (sscanf(p + 1, "%2d:%2d:%2d", &oh, &om, &os) < 1)
		return false;
	*epoch = (double) days_from_civil(y, mo, d) * 86400.0 + h * 3600.0 + mi * 60.0 + sec
		- sign * (oh * 3600.0 + om * 60.0 + os);
	return true;
}

/*
 * The value of the top-level key in a flat JSON object such as a sim
 * notification payload: a pointer just past "key": (and blanks), or NULL.
 * Enough for the server's fixed payloads; a real client uses a JSON parser.
 */
static const char *
json_value(const char *json, const char *key)
{
	size_t		klen = strlen(key);
	const char *p;

	for (p = strchr(json, '"'); p != NULL; p = strchr(p + 1, '"'))
	{
		if (strncmp(p + 1, key, klen) != 0 || p[klen + 1] != '"')
			continue;
		p += klen + 2;
		while (*p == ' ')
			p++;
		if (*p != ':')
			continue;
		p++;
		while (*p == ' ')
			p++;
		return p;
	}
	return NULL;
}

/* Print a line and flush it, so whoever reads the output sees it at once. */
static void
emit(const char *fmt,...) __attribute__((format(printf, 1, 2)));

static void
emit(const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

/*
 * Take in one notification: note the tick it names if it is of our epoch,
 * note that a reload is due if it is of another or says "reload": true,
 * and with --latency print how long after the tick's "at" it arrived.
 */
static void
take_notification(Follower *f, const Options *opts, const PGnotify *note)
{
	const char *v = json_value(note->extra, "epoch");
	int64_t		tick;
	int64_t		epoch;

	if ((v != NULL && sscanf(v, "%" SCNd64, &epoch) == 1 && epoch != f->epoch) ||
		((v = json_value(note->extra, "reload")) != NULL && strncmp(v, "true", 4) == 0))
	{
		f->reload_due = true;
		return;
	}
	v = json_value(note->extra, "tick");
	if (v != NULL && sscanf(v, "%" SCNd64, &tick) == 1 && tick > f->notified)
		f->notified = tick;
	if (opts->latency && strcmp(note->relname, "sim_tick") == 0)
	{
		double		received = now_epoch();
		double		at;

		v = json_value(note->extra, "at");
		if (v != NULL && *v == '"' && parse_timestamptz(v + 1, &at))
			emit("latency_ms %.3f\n", (received - at) * 1000.0);
		else
			fprintf(stderr, "sim-follow: cannot read \"at\" in the payload %s\n", note->extra);
	}
}

/* Is this failed result the sign of a lost connection? */
static bool
connection_lost(PGconn *conn, const PGresult *res)
{
	const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	if (PQstatus(conn) == CONNECTION_BAD)
		return true;
	if (state == NULL)
		return false;
	/* class 08 (connection exception); 57P01-57P03: server shutting down or starting */
	return strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 ||
		strcmp(state, "57P02") == 0 || strcmp(state, "57P03") == 0;
}

/*
 * Report a failed query: a lost connection is LOST; SM010 (the changes are
 * no longer kept) is TOO_OLD; anything else FAILED.
 */
static Outcome
query_failed(Follower *f, PGresult *res, const char *what)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);

	if (connection_lost(f->conn, res))
	{
		fprintf(stderr, "sim-follow: connection lost while %s: %s", what, PQerrorMessage(f->conn));
		return LOST;
	}
	if (state != NULL && strcmp(state, "SM010") == 0)
	{
		fprintf(stderr,
				"sim-follow: the server no longer keeps the changes after tick %" PRId64 ": %s"
				"sim-follow: this client is too far behind to catch up; it must reload a snapshot "
				"(the state, read in one REPEATABLE READ transaction with sim.current_tick()) "
				"and follow from that snapshot's tick%s%s\n",
				f->last, PQresultErrorMessage(res), hint != NULL ? "\nsim-follow: server hint: " : "",
				hint != NULL ? hint : "");
		return TOO_OLD;
	}
	if (state != NULL && strcmp(state, "SM012") == 0)
	{
		fprintf(stderr, "sim-follow: the universe was replaced: %s", PQresultErrorMessage(res));
		return REPLACED;
	}
	fprintf(stderr, "sim-follow: %s failed: %s", what, PQresultErrorMessage(res));
	return FAILED;
}

/* Read one bigint with a one-row query. */
static Outcome
query_tick(Follower *f, const char *sql, int64_t *tick)
{
	PGresult   *res = PQexec(f->conn, sql);
	Outcome		out = OK;

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		out = query_failed(f, res, sql);
	else if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0) ||
			 sscanf(PQgetvalue(res, 0, 0), "%" SCNd64, tick) != 1)
	{
		fprintf(stderr, "sim-follow: unexpected answer to %s\n", sql);
		out = FAILED;
	}
	PQclear(res);
	return out;
}

/*
 * Read the universe's tick and epoch in one statement (the tick into *tick
 * when tick is not NULL).
 */
static Outcome
read_world(Follower *f, int64_t *tick)
{
	PGresult   *res = PQexec(f->conn, "SELECT tick, epoch FROM sim.world");
	Outcome		out = OK;
	int64_t		t;

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		out = query_failed(f, res, "reading sim.world");
	else if (PQntuples(res) != 1 || sscanf(PQgetvalue(res, 0, 0), "%" SCNd64, &t) != 1 ||
			 sscanf(PQgetvalue(res, 0, 1), "%" SCNd64, &f->epoch) != 1)
	{
		fprintf(stderr, "sim-follow: there is no universe to follow\n");
		out = FAILED;
	}
	else if (tick != NULL)
		*tick = t;
	PQclear(res);
	return out;
}

/*
 * The universe was replaced: follow the new one from its current tick.
 * A real client would read its copy of the state here, in one REPEATABLE
 * READ transaction with the tick and epoch.
 */
static Outcome
reload(Follower *f)
{
	Outcome		out = read_world(f, &f->last);

	if (out != OK)
		return out;
	f->notified = f->last;
	f->reload_due = false;
	emit("reload epoch %" PRId64 " tick %" PRId64 "\n", f->epoch, f->last);
	return OK;
}

/*
 * Apply one change to the client's copy of the universe.  This example
 * keeps no copy: it only counts.  A real client would, by kind, upsert the
 * row identified by (id, sub_id) with the fields of data, or delete it when
 * data is NULL (docs/clients.md).
 */
static void
apply_change(const PGresult *res, int row)
{
	(void) res;
	(void) row;
}

/*
 * Catch up: read every change after f->last and report each tick from
 * f->last + 1 to the newest tick known to have committed, then advance
 * f->last to it.
 *
 * changes_since(last) returns every change up to the last committed tick
 * at the moment it runs, call it U.  Every tick this function reports is
 * <= U: the tick read before the call, ticks notified before the call
 * (a notification arrives only after its tick committed) and ticks that
 * have rows in the answer.  So no tick is reported before all its changes
 * are in hand, and a tick without changes still gets its line.
 */
static Outcome
catch_up(Follower *f, const Options *opts)
{
	const char *params[3];
	char		since[24];
	char		epoch[24];
	PGresult   *res;
	int64_t		upto;
	int64_t		tick;
	int			nrows;
	int			row;
	Outcome		out;

	out = query_tick(f, "SELECT sim.current_tick()", &upto);
	if (out != OK)
		return out;
	if (f->notified > upto)
		upto = f->notified;

	snprintf(since, sizeof(since), "%" PRId64, f->last);
	snprintf(epoch, sizeof(epoch), "%" PRId64, f->epoch);
	params[0] = since;
	params[1] = opts->nsectors > 0 ? opts->sectors_array : NULL;
	params[2] = epoch;
	res = PQexecParams(f->conn,
					   "SELECT tick, kind, id, sub_id, sector_id, data "
					   "  FROM sim.changes_since($1::bigint, $2::integer[], $3::bigint)",
					   3, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		out = query_failed(f, res, "reading sim.changes_since");
		PQclear(res);
		return out;
	}

	/* the rows come ordered by (tick, seq) */
	nrows = PQntuples(res);
	if (nrows > 0)
	{
		int64_t		newest;

		if (sscanf(PQgetvalue(res, nrows - 1, 0), "%" SCNd64, &newest) == 1 && newest > upto)
			upto = newest;
	}
	row = 0;
	for (tick = f->last + 1; tick <= upto; tick++)
	{
		int64_t		n = 0;
		int64_t		row_tick;

		while (row < nrows && sscanf(PQgetvalue(res, row, 0), "%" SCNd64, &row_tick) == 1 &&
			   row_tick == tick)
		{
			apply_change(res, row);
			n++;
			row++;
		}
		emit("tick %" PRId64 " changes %" PRId64 "\n", tick, n);
	}
	PQclear(res);
	if (row != nrows)
	{
		fprintf(stderr, "sim-follow: sim.changes_since returned rows out of order\n");
		return FAILED;
	}
	if (upto > f->last)
		f->last = upto;
	return OK;
}

/* LISTEN on the channels the options ask for. */
static Outcome
listen_all(Follower *f, const Options *opts)
{
	char		sql[64];
	int			i;

	for (i = -1; i < opts->nsectors; i++)
	{
		PGresult   *res;
		Outcome		out = OK;

		if (i < 0 && opts->nsectors > 0 && !opts->latency)
			continue;			/* sim_tick only without --sectors, or for --latency */
		if (i < 0)
			snprintf(sql, sizeof(sql), "LISTEN sim_tick");
		else
			snprintf(sql, sizeof(sql), "LISTEN sim_sector_%d", opts->sectors[i]);
		res = PQexec(f->conn, sql);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			out = query_failed(f, res, sql);
		PQclear(res);
		if (out != OK)
			return out;
	}
	return OK;
}

/* Pass the server's notices and asynchronous errors on to stderr, marked. */
static void
on_notice(void *arg, const char *message)
{
	(void) arg;
	fprintf(stderr, "sim-follow: server: %s", message);
}

/* Connect; NULL (after a message) when that fails. */
static PGconn *
connect_to(const Options *opts)
{
	const char *keys[] = {"dbname", "fallback_application_name", NULL};
	const char *values[] = {opts->conninfo, "sim-follow", NULL};
	PGconn	   *conn = PQconnectdbParams(keys, values, 1);

	if (conn == NULL)
	{
		fprintf(stderr, "sim-follow: out of memory\n");
		return NULL;
	}
	if (PQstatus(conn) != CONNECTION_OK)
	{
		fprintf(stderr, "sim-follow: cannot connect: %s", PQerrorMessage(conn));
		PQfinish(conn);
		return NULL;
	}
	PQsetNoticeProcessor(conn, on_notice, NULL);
	return conn;
}

/* Sleep for ms milliseconds, or less if a signal asks us to stop. */
static void
sleep_ms(Follower *f, int ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	if (!stop_requested)
		pselect(0, NULL, NULL, NULL, &ts, &f->waitmask);
}

/*
 * Connect again after a loss and LISTEN, retrying with a backoff that
 * doubles from BACKOFF_FIRST_MS up to BACKOFF_MAX_MS.  False only when a
 * signal asked us to stop.
 */
static bool
reconnect(Follower *f, const Options *opts)
{
	int			delay = 0;
	int			attempt = 0;

	PQfinish(f->conn);
	f->conn = NULL;
	while (!stop_requested)
	{
		if (delay > 0)
		{
			fprintf(stderr, "sim-follow: reconnecting in %d ms\n", delay);
			sleep_ms(f, delay);
			if (stop_requested)
				break;
		}
		attempt++;
		f->conn = connect_to(opts);
		if (f->conn != NULL)
		{
			if (listen_all(f, opts) == OK)
			{
				fprintf(stderr, "sim-follow: reconnected (attempt %d); catching up from tick %" PRId64 "\n",
						attempt, f->last);
				return true;
			}
			PQfinish(f->conn);
			f->conn = NULL;
		}
		delay = delay == 0 ? BACKOFF_FIRST_MS : delay * 2;
		if (delay > BACKOFF_MAX_MS)
			delay = BACKOFF_MAX_MS;
	}
	return false;
}

/*
 * Wait until the socket has input (then read it, so PQnotifies sees the
 * notifications), the heartbeat passes (*idle is then true), or a signal
 * arrives.  LOST when the connection broke.
 */
static Outcome
wait_for_input(Follower *f, bool *idle)
{
	int			sock = PQsocket(f->conn);
	fd_set		readable;
	struct timespec timeout = {HEARTBEAT_S, 0};
	int			rc;

	*idle = false;
	if (sock < 0)
		return LOST;
	FD_ZERO(&readable);
	FD_SET(sock, &readable);
	rc = pselect(sock + 1, &readable, NULL, NULL, &timeout, &f->waitmask);
	if (rc < 0)
	{
		if (errno == EINTR)
			return OK;
		perror("sim-follow: pselect");
		return FAILED;
	}
	if (rc == 0)
	{
		*idle = true;
		return OK;
	}
	if (!PQconsumeInput(f->conn) || PQstatus(f->conn) == CONNECTION_BAD)
	{
		fprintf(stderr, "sim-follow: connection lost: %s", PQerrorMessage(f->conn));
		return LOST;
	}
	return OK;
}

int
main(int argc, char **argv)
{
	Options		opts;
	Follower	f;
	sigset_t	blocked;
	struct sigaction sa;
	Outcome		out;
	bool		behind = true;	/* a catch-up is due */

	parse_options(argc, argv, &opts);

	/* SIGINT and SIGTERM stay blocked but while waiting: none is lost */
	memset(&f, 0, sizeof(f));
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGINT);
	sigaddset(&blocked, SIGTERM);
	sigprocmask(SIG_BLOCK, &blocked, &f.waitmask);
	sigdelset(&f.waitmask, SIGINT);
	sigdelset(&f.waitmask, SIGTERM);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	/* LISTEN before choosing the starting tick: no later tick goes unnoticed */
	f.conn = connect_to(&opts);
	if (f.conn == NULL)
		return EXIT_ERROR;
	if (opts.have_since)
		f.last = opts.since;
	if (listen_all(&f, &opts) != OK || read_world(&f, opts.have_since ? NULL : &f.last) != OK)
	{
		PQfinish(f.conn);
		return EXIT_ERROR;
	}
	f.notified = f.last;

	for (;;)
	{
		PGnotify   *note;

		if (stop_requested)
			break;
		while ((note = PQnotifies(f.conn)) != NULL)
		{
			take_notification(&f, &opts, note);
			PQfreemem(note);
			behind = true;
		}
		if (f.reload_due)
		{
			/* a notification named another epoch: SM012 is what the catch-up would get */
			out = reload(&f);
			behind = true;
		}
		else if (behind)
		{
			out = catch_up(&f, &opts);
			behind = false;
			if (out == REPLACED)
			{
				out = reload(&f);
				behind = true;
			}
		}
		else
		{
			bool		idle;

			/* notifications are taken at the top of the loop; silence means check anyway */
			out = wait_for_input(&f, &idle);
			behind = idle;
		}
		if (out == LOST)
		{
			if (!reconnect(&f, &opts))
				break;
			behind = true;
		}
		else if (out != OK)
		{
			PQfinish(f.conn);
			return out == TOO_OLD ? EXIT_SNAPSHOT : EXIT_ERROR;
		}
	}
	PQfinish(f.conn);
	return 0;
}
