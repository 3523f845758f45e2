-- test/upgrade/catalog.sql -- the extension sim as its catalog describes it,
-- one line per fact, in an order that does not depend on how it was made.
--
-- test/upgrade/run.sh writes this for an upgraded database and for a fresh
-- install of the same version and compares them line for line: whatever an
-- upgrade script forgot (a function body, a grant, a column, a constraint,
-- an index, a trigger, a policy, a comment, a member, a dumped table) shows
-- as a line on one side only.  Each line is "section | object | fact".
--
-- Covered: the extension's row (version, schema, the tables pg_dump dumps
-- with their filters); every member object by pg_describe_object; functions
-- (pg_get_functiondef: body, arguments, result, language, volatility,
-- strictness, security, parallel safety, cost, rows, settings), their
-- owner, grants and comments; schemas with owner, grants and comments;
-- relations (tables, partitioned tables, views, sequences, composite and
-- foreign tables) with kind, persistence, owner, grants, options,
-- row-level security, replica identity, partition key, comment; their
-- columns by name (type, not null, default, identity, generated, collation,
-- options, grants, comment); constraints, indexes, triggers, policies and
-- rules by name with their definitions; view definitions; sequence
-- parameters; types and their enum labels, domain constraints, composite
-- attributes; default privileges in the extension's schemas; the sim_*
-- roles; and, with data=on, the rows of every member table and the value of
-- every member sequence (for databases without a universe: the reference
-- rows the extension installs).
--
-- Left out, on purpose: column order (ALTER TABLE ADD COLUMN appends, a
-- fresh install may not: code names its columns), object identifiers, and
-- partitions (made by the tick at run time, shaped by their parent and
-- sim.history_table, both compared).  Roles (sim_*: attributes, settings,
-- memberships) are the cluster's: run.sh keeps the upgraded and the fresh
-- install on clusters of their own.
--
-- psql variable "data": 'on' adds the reference tables' rows and the
-- sequences' values (for databases with no universe).
\set QUIET on
\if :{?data}
\else
\set data off
\endif
SET search_path = pg_catalog;
SET extra_float_digits = 3;

CREATE TEMP TABLE ext AS SELECT * FROM pg_extension WHERE extname = 'sim';

-- the member objects, partitions and what depends on them left out
CREATE TEMP TABLE member AS
SELECT d.classid, d.objid, pg_describe_object(d.classid, d.objid, 0) AS name
  FROM pg_depend d, ext
 WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'
   AND NOT (d.classid = 'pg_class'::regclass
            AND EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = d.objid AND c.relispartition));

CREATE TEMP TABLE rel AS
SELECT c.*, format('%I.%I', n.nspname, c.relname) AS qname
  FROM member m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
  JOIN pg_namespace n ON n.oid = c.relnamespace;

CREATE TEMP TABLE fact (section text, object text, fact text);

-- storage options; pg_attver, which this server build keeps on view columns,
-- differs from database to database and says nothing of the extension
CREATE FUNCTION pg_temp.options(o text[]) RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT string_agg(x, ',' ORDER BY x) FROM unnest(o) x WHERE x NOT LIKE 'pg\_attver=%' $$;

CREATE FUNCTION pg_temp.acl(a aclitem[]) RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT coalesce((SELECT string_agg(x::text, ',' ORDER BY x::text) FROM unnest(a) x), '(default)') $$;

INSERT INTO fact
SELECT 'extension', extname,
       format('version %s, schema %s, relocatable %s, dumped tables %s', extversion,
              extnamespace::regnamespace, extrelocatable,
              (SELECT string_agg(format('%s %L', t.c::regclass, coalesce(t.f, '')), ', ' ORDER BY t.c::regclass::text)
                 FROM unnest(extconfig, extcondition) AS t(c, f)))
  FROM ext;

INSERT INTO fact SELECT 'member', name, '' FROM member;

-- schemas: the extension's and its members
INSERT INTO fact
SELECT 'schema', n.nspname,
       format('owner %s, acl %s, comment %L', n.nspowner::regrole, pg_temp.acl(n.nspacl),
              obj_description(n.oid, 'pg_namespace'))
  FROM pg_namespace n
 WHERE n.oid IN (SELECT objid FROM member WHERE classid = 'pg_namespace'::regclass UNION SELECT extnamespace FROM ext);

-- the roles the extension creates or grants to (cluster-wide: run.sh
-- compares clusters of their own)
INSERT INTO fact
SELECT 'role', r.rolname,
       format('superuser %s, inherit %s, createrole %s, createdb %s, login %s, replication %s, bypassrls %s, '
              'connection limit %s, settings %s, member of %s',
              r.rolsuper, r.rolinherit, r.rolcreaterole, r.rolcreatedb, r.rolcanlogin, r.rolreplication,
              r.rolbypassrls, r.rolconnlimit,
              (SELECT string_agg(x, ',' ORDER BY x) FROM pg_db_role_setting s, unnest(s.setconfig) x
                WHERE s.setrole = r.oid),
              (SELECT string_agg(m.roleid::regrole::text || CASE WHEN m.admin_option THEN ' with admin' ELSE '' END,
                                 ',' ORDER BY m.roleid::regrole::text)
                 FROM pg_auth_members m WHERE m.member = r.oid))
  FROM pg_roles r
 WHERE r.rolname LIKE 'sim\_%';

-- functions
INSERT INTO fact
SELECT 'function', m.name,
       format('owner %s, acl %s, comment %L, kind %s, leakproof %s', p.proowner::regrole,
              pg_temp.acl(p.proacl), obj_description(p.oid, 'pg_proc'), p.prokind, p.proleakproof)
         || E'\n' || CASE WHEN p.prokind = 'a' THEN
                (SELECT format('aggregate sfunc %s stype %s finalfunc %s combinefunc %s initval %L',
                               a.aggtransfn, a.aggtranstype::regtype, a.aggfinalfn, a.aggcombinefn, a.agginitval)
                   FROM pg_aggregate a WHERE a.aggfnoid = p.oid)
              ELSE pg_get_functiondef(p.oid) END
  FROM member m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid;

-- relations
INSERT INTO fact
SELECT 'relation', r.qname,
       format('kind %s, persistence %s, owner %s, acl %s, options %s, rls %s force %s, replica identity %s, '
              'partition key %s, comment %L, publications %s',
              r.relkind, r.relpersistence, r.relowner::regrole, pg_temp.acl(r.relacl), pg_temp.options(r.reloptions),
              r.relrowsecurity, r.relforcerowsecurity, r.relreplident,
              CASE WHEN r.relkind = 'p' THEN pg_get_partkeydef(r.oid) END, obj_description(r.oid, 'pg_class'),
              (SELECT string_agg(p.pubname, ',' ORDER BY p.pubname)
                 FROM pg_publication_rel pr JOIN pg_publication p ON p.oid = pr.prpubid WHERE pr.prrelid = r.oid))
  FROM rel r;

INSERT INTO fact
SELECT 'column', r.qname || '.' || quote_ident(a.attname),
       format('type %s, not null %s, default %s, identity %L, generated %L, collation %s, options %s, acl %s, '
              'comment %L',
              format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(ad.adbin, ad.adrelid),
              a.attidentity, a.attgenerated,
              CASE WHEN a.attcollation <> 0 THEN (SELECT collname FROM pg_collation WHERE oid = a.attcollation) END,
              pg_temp.options(a.attoptions), pg_temp.acl(a.attacl), col_description(r.oid, a.attnum))
  FROM rel r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef ad ON ad.adrelid = r.oid AND ad.adnum = a.attnum;

INSERT INTO fact
SELECT 'constraint', r.qname || ' ' || quote_ident(c.conname),
       format('%s, validated %s, no inherit %s, comment %L', pg_get_constraintdef(c.oid), c.convalidated,
              c.connoinherit, obj_description(c.oid, 'pg_constraint'))
  FROM rel r JOIN pg_constraint c ON c.conrelid = r.oid;

INSERT INTO fact
SELECT 'index', r.qname || ' ' || quote_ident(i.relname),
       format('%s, clustered %s, replica identity %s, comment %L', pg_get_indexdef(x.indexrelid),
              x.indisclustered, x.indisreplident, obj_description(i.oid, 'pg_class'))
  FROM rel r JOIN pg_index x ON x.indrelid = r.oid JOIN pg_class i ON i.oid = x.indexrelid;

INSERT INTO fact
SELECT 'trigger', r.qname || ' ' || quote_ident(t.tgname),
       format('%s, enabled %s, comment %L', pg_get_triggerdef(t.oid), t.tgenabled,
              obj_description(t.oid, 'pg_trigger'))
  FROM rel r JOIN pg_trigger t ON t.tgrelid = r.oid AND NOT t.tgisinternal;

INSERT INTO fact
SELECT 'policy', r.qname || ' ' || quote_ident(p.polname),
       format('command %s, permissive %s, roles %s, using %s, with check %s', p.polcmd, p.polpermissive,
              (SELECT string_agg(CASE WHEN x = 0 THEN 'public' ELSE x::regrole::text END, ',' ORDER BY 1)
                 FROM unnest(p.polroles) x),
              pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid))
  FROM rel r JOIN pg_policy p ON p.polrelid = r.oid;

INSERT INTO fact
SELECT 'rule', r.qname || ' ' || quote_ident(w.rulename), format('%s, enabled %s', pg_get_ruledef(w.oid), w.ev_enabled)
  FROM rel r JOIN pg_rewrite w ON w.ev_class = r.oid AND w.rulename <> '_RETURN';

INSERT INTO fact
SELECT 'view', r.qname, pg_get_viewdef(r.oid, true)
  FROM rel r WHERE r.relkind IN ('v', 'm');

INSERT INTO fact
SELECT 'sequence', r.qname,
       format('type %s, start %s, increment %s, min %s, max %s, cache %s, cycle %s, owned by %s',
              s.seqtypid::regtype, s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle,
              (SELECT string_agg(pg_describe_object(d.refclassid, d.refobjid, d.refobjsubid), ',')
                 FROM pg_depend d
                WHERE d.classid = 'pg_class'::regclass AND d.objid = r.oid AND d.deptype IN ('a', 'i')
                  AND d.refclassid = 'pg_class'::regclass))
  FROM rel r JOIN pg_sequence s ON s.seqrelid = r.oid;

-- types: the member ones, and those of the extension's schemas (row types
-- of member tables follow their tables)
INSERT INTO fact
SELECT 'type', format_type(t.oid, NULL),
       format('kind %s, owner %s, acl %s, comment %L, enum %s, domain over %s not null %s default %s checks %s, '
              'composite %s',
              t.typtype, t.typowner::regrole, pg_temp.acl(t.typacl), obj_description(t.oid, 'pg_type'),
              (SELECT string_agg(quote_literal(e.enumlabel), ',' ORDER BY e.enumsortorder)
                 FROM pg_enum e WHERE e.enumtypid = t.oid),
              CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END, t.typnotnull,
              t.typdefault,
              (SELECT string_agg(c.conname || ' ' || pg_get_constraintdef(c.oid), ',' ORDER BY c.conname)
                 FROM pg_constraint c WHERE c.contypid = t.oid),
              (SELECT string_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod), ','
                                 ORDER BY a.attname)
                 FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                WHERE a.attrelid = t.typrelid AND c.relkind = 'c' AND a.attnum > 0 AND NOT a.attisdropped))
  FROM pg_type t
 WHERE t.typnamespace IN (SELECT objid FROM member WHERE classid = 'pg_namespace'::regclass
                          UNION SELECT extnamespace FROM ext)
   AND (t.typrelid = 0 OR EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind = 'c'))
   AND t.typelem = 0 OR t.oid IN (SELECT objid FROM member WHERE classid = 'pg_type'::regclass);

INSERT INTO fact
SELECT 'default privileges', format('%s in %s on %s', d.defaclrole::regrole, d.defaclnamespace::regnamespace,
                                    d.defaclobjtype),
       pg_temp.acl(d.defaclacl)
  FROM pg_default_acl d
 WHERE d.defaclnamespace IN (SELECT objid FROM member WHERE classid = 'pg_namespace'::regclass
                             UNION SELECT extnamespace FROM ext);

-- the rows of every member table and the sequences' values
\if :data
DO $$
DECLARE
    r   record;
    v   text;
BEGIN
    FOR r IN SELECT qname, oid, relkind FROM rel WHERE relkind IN ('r', 'p', 'S') LOOP
        IF r.relkind = 'S' THEN
            EXECUTE format('SELECT last_value || '' called '' || is_called FROM %s', r.qname) INTO v;
        ELSE
            EXECUTE format('SELECT count(*) || '' rows, md5 '' || coalesce(md5(string_agg(to_jsonb(t)::text, E''\n'' '
                           'ORDER BY to_jsonb(t)::text)), '''') FROM %s t', r.qname) INTO v;
        END IF;
        INSERT INTO fact VALUES ('rows', r.qname, v);
    END LOOP;
END
$$;
\endif

\pset format unaligned
\pset tuples_only on
\pset recordsep '\n'
SELECT section || ' | ' || object || ' | ' || coalesce(fact, '(null)') FROM fact ORDER BY section, object, fact;
