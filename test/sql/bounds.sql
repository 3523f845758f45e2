--
-- bounds: bounded inputs and messages (docs/errors.md).  A message quotes at
-- most sim.limit('echo_chars') characters of a caller's text, by one rule
-- that C (SimEcho) and SQL (sim.echo) share; short text arguments and
-- arrays past their limits are refused early with a specific SQLSTATE, a
-- short message and a hint; just under a limit they work.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS sim CASCADE;
RESET client_min_messages;
SELECT sim.reset_universe();

-- An error as (SQLSTATE, whether message, detail and hint are all short,
-- the message cut to 200 characters, whether there is a hint).
CREATE FUNCTION pg_temp.try(stmt text, OUT code text, OUT short boolean, OUT message text, OUT hinted boolean)
LANGUAGE plpgsql AS $$
DECLARE
    msg     text;
    det     text;
    hnt     text;
BEGIN
    EXECUTE stmt;
    code := 'ok';
EXCEPTION WHEN others THEN
    GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL,
                            hnt = PG_EXCEPTION_HINT;
    short := length(msg) < 200 AND coalesce(length(det), 0) < 300 AND coalesce(length(hnt), 0) < 200;
    message := left(msg, 200);
    hinted := coalesce(hnt, '') <> '';
END
$$;

-- The registry, as the database sees it, and one limit by name
SELECT * FROM sim.input_limit;
SELECT sim.limit('sectors') AS sectors, sim.limit('ECHO_CHARS') AS echo_chars_any_case;
SELECT * FROM pg_temp.try($$SELECT sim.limit(repeat('x', 100000))$$);

-- The echo rule: 64 characters whole; 65 cut to 64 and an ellipsis; on
-- character boundaries (2- and 4-byte characters); a huge text read only
-- as far as needed
SELECT sim.echo(repeat('a', 64)) = repeat('a', 64) AS sixty_four_whole,
       sim.echo(repeat('a', 65)) = repeat('a', 64) || '…' AS sixty_five_cut,
       sim.echo(repeat('é', 65)) = repeat('é', 64) || '…' AS two_byte_cut,
       sim.echo(repeat('🚀', 64)) = repeat('🚀', 64) AS four_byte_whole,
       sim.echo(repeat('🚀', 65)) = repeat('🚀', 64) || '…' AS four_byte_cut,
       sim.echo('') = '' AS empty, sim.echo(NULL) IS NULL AS null_is_null,
       length(sim.echo(repeat('a', 10000000))) AS length_of_huge;

-- C and SQL cut alike: the messages sim.navigate builds in C (SimEcho) are
-- those that sim.echo gives, for texts around the limit
CREATE TEMP TABLE samples (t text);
INSERT INTO samples VALUES
    (repeat('a', 63)), (repeat('a', 64)), (repeat('a', 65)), (repeat('a', 256)),
    (repeat('é', 64)), (repeat('é', 65)), (repeat('é', 128)),
    (repeat('🚀', 63) || 'ab'), (repeat('🚀', 64)), ('x' || repeat('🚀', 63) || 'é');
SELECT octet_length(s.t) AS bytes, length(s.t) AS chars,
       d.message = format('invalid destination "%s"', sim.echo(s.t)) AS destination_agrees,
       m.message = format('unknown flight mode "%s"', sim.echo(s.t)) AS mode_agrees
  FROM samples s
 CROSS JOIN LATERAL pg_temp.try(format('SELECT sim.navigate(-1, %L, %L)', s.t, 'cruise')) d
 CROSS JOIN LATERAL pg_temp.try(format('SELECT sim.navigate(-1, %L, %L)', 'station:1', s.t)) m
 ORDER BY 1, 2;

-- sim.navigate: a destination or mode over sim.limit('word_bytes') bytes is
-- refused before it is read (22023, hint); at the limit it is parsed (a
-- 256-byte station:ID passes to the next check: there is no universe yet)
SELECT * FROM pg_temp.try($$SELECT sim.navigate(-1, repeat('a', 100000000))$$);
SELECT * FROM pg_temp.try($$SELECT sim.navigate(-1, repeat('a', 257))$$);
SELECT * FROM pg_temp.try($$SELECT sim.navigate(-1, 'station:' || lpad('1', 248, '0'))$$);
SELECT * FROM pg_temp.try($$SELECT sim.navigate(-1, 'station:1', repeat('b', 10000000))$$);
SELECT * FROM pg_temp.try($$SELECT sim.navigate(-1, 'station:1', repeat('b', 256))$$);
SELECT * FROM pg_temp.try($$SELECT sim.navigate(-1, ST_MakePoint(0, 0, 0), repeat('b', 300))$$);
SELECT * FROM pg_temp.try($$SELECT * FROM sim.route(1, 2, repeat('c', 10000000))$$);

-- SQL commands quote a caller's side, kind or good name through sim.echo
SELECT * FROM pg_temp.try($$SELECT sim.place_order(-1, 1, repeat('s', 1000000), 1, 1)$$);
SELECT * FROM pg_temp.try($$SELECT sim.offer_contract(repeat('k', 1000000), 1, 1, 1, 1, 1)$$);
SELECT * FROM pg_temp.try($$SELECT sim.raise_not_enough_cargo(7, ROW(1, repeat('g', 100000), 'raw', 0, 1, 1)::sim.good, 0, 5)$$);
-- a rate written out in 1000 digits (C, numeric_out through SimEcho)
SELECT * FROM pg_temp.try($$SELECT sim.levy(100, ('1' || repeat('0', 1000))::numeric)$$);
-- a publication name: PostgreSQL's own limit, checked before it is used
SET client_min_messages = error;
SELECT * FROM pg_temp.try($$SELECT sim.create_publication(repeat('p', 100000))$$);
SELECT * FROM pg_temp.try($$SELECT sim.create_publication('regress_bounds_' || repeat('p', 48))$$);
RESET client_min_messages;
SELECT length(pubname) AS name_length FROM pg_publication WHERE pubname LIKE 'regress_bounds_%';
SELECT format('DROP PUBLICATION %I', pubname) FROM pg_publication WHERE pubname LIKE 'regress_bounds_%' \gexec
SELECT count(*) AS publications_left FROM pg_publication WHERE pubname LIKE 'regress_bounds_%';

-- No RAISE of the extension quotes "%" without passing it through sim.echo
-- (the only other way a message could quote a caller's text whole)
SELECT p.oid::regprocedure AS quotes_without_echo, r[1] AS raise
  FROM pg_proc p
 CROSS JOIN LATERAL regexp_matches(p.prosrc, '(RAISE\s+(?:EXCEPTION|WARNING|NOTICE|INFO)[^;]*;)', 'g') r
 WHERE p.pronamespace = 'sim'::regnamespace
   AND r[1] LIKE '%"\%"%' AND r[1] NOT LIKE '%sim.echo(%'
 ORDER BY 1;
-- (and the search finds the RAISEs that do)
SELECT count(*) >= 8 AS raises_through_echo
  FROM pg_proc p
 CROSS JOIN LATERAL regexp_matches(p.prosrc, '(RAISE\s+(?:EXCEPTION|WARNING|NOTICE|INFO)[^;]*;)', 'g') r
 WHERE p.pronamespace = 'sim'::regnamespace AND r[1] LIKE '%sim.echo(%';

-- Arrays: a universe with a short history to read
SELECT sim.generate_universe(3, 2, 40, reset => true) IS NOT NULL AS generated;
SELECT sim.step(3) AS tick;
-- a command kind the tick reads back from sim.command, for a ship that exists
SELECT * FROM pg_temp.try($$SELECT sim.check_state_command(repeat('q', 1000000), (SELECT min(id) FROM sim.ship), 1, NULL)$$);
CREATE TEMP TABLE arrays AS
SELECT array(SELECT generate_series(1, sim.limit('sectors'))) AS at_limit,
       array(SELECT generate_series(1, sim.limit('sectors') + 1)) AS over_limit,
       array(SELECT generate_series(1, 1000000)) AS huge;

-- sim.changes_since: sectors over the limit is 54000 with a hint, before
-- anything is read; at the limit it filters like any list of sectors
SELECT * FROM pg_temp.try($$SELECT count(*) FROM sim.changes_since(0, (SELECT over_limit FROM arrays))$$);
SELECT * FROM pg_temp.try($$SELECT count(*) FROM sim.changes_since(0, (SELECT huge FROM arrays))$$);
SELECT * FROM pg_temp.try($$SELECT count(*) FROM sim.changes_since(0, ARRAY[(SELECT huge FROM arrays)])$$);
SELECT (SELECT count(*) FROM sim.changes_since(0, (SELECT at_limit FROM arrays)))
     = (SELECT count(*) FROM sim.changes_since(0) WHERE sector_id BETWEEN 1 AND sim.limit('sectors'))
       AS at_limit_filters,
       (SELECT count(*) FROM sim.changes_since(0, (SELECT at_limit FROM arrays))) > 0 AS at_limit_reads;

-- sim.delta: the same limit on its sectors
SELECT * FROM pg_temp.try($$SELECT sim.delta(0, 3, (SELECT over_limit FROM arrays))$$);
SELECT * FROM pg_temp.try($$SELECT sim.delta(0, 3, (SELECT huge FROM arrays))$$);
SELECT (SELECT count(*) FROM sim.delta_decode(sim.delta(0, 3, (SELECT at_limit FROM arrays))))
     = (SELECT count(*) FROM sim.changes_since(0, (SELECT at_limit FROM arrays))) AS delta_at_limit_agrees;

-- sim.finite and sim.change_data: at most sim.limit('values') elements
SELECT * FROM pg_temp.try($$SELECT sim.finite(array_fill(1.0::float8, ARRAY[sim.limit('values') + 1]))$$);
SELECT * FROM pg_temp.try($$SELECT sim.finite(array_fill(1.0::float8, ARRAY[1000, 1000]))$$);
SELECT sim.finite(array_fill(1.0::float8, ARRAY[sim.limit('values')])) AS finite_at_limit;
SELECT * FROM pg_temp.try($$SELECT sim.change_data(6::smallint, array_fill(1.0::float8, ARRAY[1000000]))$$);
SELECT sim.change_data(6::smallint, ARRAY[5.0]) AS wallet_change;

-- sim.bounded_array, the SQL face of the array rule: NULL passes, the
-- array comes back unchanged, an unknown limit is an error
SELECT sim.bounded_array(NULL::integer[], 'a', 'sectors') IS NULL AS null_passes,
       sim.bounded_array(ARRAY[3, 1, 2], 'a', 'sectors') = ARRAY[3, 1, 2] AS unchanged;
SELECT * FROM pg_temp.try($$SELECT sim.bounded_array(ARRAY[1], 'a', repeat('z', 1000))$$);

-- Ranges: sim.step and sim.generate_universe have theirs
SELECT * FROM pg_temp.try($$SELECT sim.step(sim.limit('step_ticks') + 1)$$);
SELECT * FROM pg_temp.try($$SELECT sim.step(0)$$);
SELECT * FROM pg_temp.try($$SELECT sim.generate_universe(1, sim.limit('sectors') + 1, 10, reset => true)$$);

SELECT sim.reset_universe();
