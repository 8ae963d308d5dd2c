-- Phase C: jiuzhu's county list (first page, 50 households with members, grants and the
-- grants' programs) as ONE hand-written statement that returns the very JSON document
-- jiuzhu's GraphQL API returns for
--   households(area: COUNTY, first: 50) { pageInfo { hasNextPage endCursor }
--     edges { node { id areaCode address povertyRegistered
--       members { name relation idNumber monthlyIncome }
--       grants { amount status startDate program { name } } } } }
-- (same order, masked ID numbers as privacy.IDNumber, money as models.Money.String,
-- cursor as store/cursor.Encode). :lo and :hi are the county's range (pgbench -D); the
-- session's jiuzhu.lo / jiuzhu.hi carry the same range, so jiuzhu's row-level security
-- policies apply as well (the store also writes both: its predicate and the policy).
WITH page AS (
  SELECT id, area_code, address, poverty_registered
  FROM households
  WHERE area_code BETWEEN :lo AND :hi
  ORDER BY area_code, id
  LIMIT 51
), top AS (
  SELECT * FROM page ORDER BY area_code, id LIMIT 50
)
SELECT json_build_object('data', json_build_object('households', json_build_object(
  'pageInfo', json_build_object(
    'hasNextPage', (SELECT count(*) FROM page) > 50,
    'endCursor', (SELECT rtrim(translate(encode(convert_to(t.area_code || ':' || t.id, 'UTF8'), 'base64'), E'+/\n', '-_'), '=')
                  FROM top t ORDER BY t.area_code DESC, t.id DESC LIMIT 1)),
  'edges', coalesce((SELECT json_agg(json_build_object('node', json_build_object(
      'id', t.id, 'areaCode', t.area_code, 'address', t.address, 'povertyRegistered', t.poverty_registered,
      'members', (SELECT coalesce(json_agg(json_build_object(
                     'name', m.name, 'relation', m.relation,
                     'idNumber', CASE WHEN char_length(m.id_number) = 18 THEN left(m.id_number, 6) || repeat('*', 12)
                                      ELSE repeat('*', char_length(m.id_number)) END,
                     'monthlyIncome', CASE WHEN m.monthly_income < 0 THEN '-' ELSE '' END
                                      || (abs(m.monthly_income) / 100)::text || '.' || lpad((abs(m.monthly_income) % 100)::text, 2, '0'))
                   ORDER BY CASE WHEN m.relation = 'HEAD' THEN 0 ELSE 1 END, m.birth_date, m.id), '[]'::json)
                  FROM members m
                  WHERE m.area_code BETWEEN :lo AND :hi AND m.household_id = t.id),
      'grants', (SELECT coalesce(json_agg(json_build_object(
                    'amount', CASE WHEN g.amount < 0 THEN '-' ELSE '' END
                              || (abs(g.amount) / 100)::text || '.' || lpad((abs(g.amount) % 100)::text, 2, '0'),
                    'status', g.status, 'startDate', g.start_date,
                    'program', json_build_object('name', p.name))
                  ORDER BY g.start_date DESC, g.id), '[]'::json)
                 FROM grants g JOIN programs p ON p.code = g.program_code
                 WHERE g.area_code BETWEEN :lo AND :hi AND g.household_id = t.id)
    )) ORDER BY t.area_code, t.id) FROM top t), '[]'::json))));
