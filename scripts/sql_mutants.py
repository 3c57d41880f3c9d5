#!/usr/bin/env python3
"""Mutation test of the access rule's SQL twins, which cargo-mutants cannot reach (it does
not mutate SQL text inside string literals and macros).

Each mutation removes or loosens one condition of a twin (`visible_person!`,
`visible_case!`) or of the facts the rule is given (`facts_sql!`, `consents_sql!`, the
名寄せ group); the twins' tests (`access_twins`, and the relationship-by-relationship reads
of the authorisation matrix) run against it on both engines and must fail. The source is
restored after each one, whatever happens.

    python3 scripts/sql_mutants.py            # every mutation
    python3 scripts/sql_mutants.py 1 4        # only these (numbers as listed)

Run it in a checkout of its own (it edits the sources in place); it prints one line per
mutation (caught / SURVIVED) and exits 1 if any survived. KASANE_STRICT=1 is set, so a
missing PostgreSQL fails instead of skipping.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PERSON = "crates/kasane-store/src/person.rs"
CASE = "crates/kasane-store/src/case.rs"
FACTS = "crates/kasane-store/src/facts.rs"

# (what it breaks, file, the exact text, what it becomes)
MUTATIONS = [
    ("a withdrawn consent still grants (list)", PERSON,
     "AND co.withdrawn_at IS NULL ", ""),
    ("an expired consent still grants (list)", PERSON,
     " AND (co.expires_on IS NULL OR co.expires_on >= $4)", ""),
    ("a consent naming another agency grants (list)", PERSON,
     "AND cag.agency_id = $2 \\", "\\"),
    ("a past household member's case grants (list)", PERSON,
     ") AND hm.left_on IS NULL AND c2.household_id", ") AND c2.household_id"),
    ("an escalation a case was opened from still grants the coordinator (list)", PERSON,
     " \\\n                   AND NOT EXISTS (SELECT 1 FROM cases ic WHERE ic.intake_id = i.id)", ""),
    ("a closed case still grants the coordinator (list)", PERSON,
     "OR ($3 AND c2.status <> 'closed' AND", "OR ($3 AND"),
    ("a declined referral grants (list)", PERSON,
     "\"('sent', 'accepted', 'completed')\"", "\"('sent', 'accepted', 'completed', 'declined')\""),
    ("another municipality's persons (list)", PERSON,
     "\"p.municipality_id = $1 AND p.linked_to_person_id IS NULL AND ( \\",
     "\"p.linked_to_person_id IS NULL AND ( \\"),
    ("a removed agenda line still grants the meeting member (case list)", CASE,
     "WHERE ma.case_id = c.id AND ma.removed_at IS NULL AND", "WHERE ma.case_id = c.id AND"),
    ("an unacknowledged member reads the case (case list)", CASE,
     "AND mm.agency_id = $2 AND mm.acknowledged_at IS NOT NULL", "AND mm.agency_id = $2"),
    ("a closed case stays open to the meeting's members (case list)", CASE,
     "\")) OR (c.status <> 'closed' AND EXISTS", "\")) OR (EXISTS"),
    ("a consent's withdrawal is not told to the rule (facts)", FACTS,
     "co.covers_multilayer_meeting, co.withdrawn_at IS NOT NULL,",
     "co.covers_multilayer_meeting, FALSE,"),
    ("an involvement that ended is told as current (facts)", FACTS,
     "ca.agency_id, c.status, ca.left_at IS NULL", "ca.agency_id, c.status, TRUE"),
    ("a past household member's cases are the person's (facts)", FACTS,
     "WHERE hm.person_id IN (\",\n            $group,\n            \") AND hm.left_on IS NULL\"",
     "WHERE hm.person_id IN (\",\n            $group,\n            \")\""),
]

TESTS = ["access_twins", "authorisation_matrix::reads_follow_the_rule_for_every_relationship"]


def run(cmd, **kw):
    return subprocess.run(cmd, cwd=ROOT, **kw)


def main():
    chosen = [int(a) for a in sys.argv[1:]] or list(range(1, len(MUTATIONS) + 1))
    env = dict(os.environ, KASANE_STRICT="1")
    build = ["cargo", "test", "-p", "kasane", "--test", "it", "--no-run", "-q"]
    test = ["cargo", "test", "-p", "kasane", "--test", "it", "-q", "--", *TESTS]
    if run(build, env=env).returncode != 0 or run(test, env=env, capture_output=True).returncode != 0:
        sys.exit("the unmutated code must build and pass first")
    survived = 0
    for n in chosen:
        what, file, old, new = MUTATIONS[n - 1]
        path = ROOT / file
        source = path.read_text()
        if source.count(old) != 1:
            sys.exit(f"{n}: the text to mutate is not found once in {file}: {old!r}")
        try:
            path.write_text(source.replace(old, new))
            if run(build, env=env, capture_output=True).returncode != 0:
                print(f"{n:2} does not build   {what}")
                continue
            caught = run(test, env=env, capture_output=True).returncode != 0
        finally:
            path.write_text(source)
        survived += not caught
        print(f"{n:2} {'caught  ' if caught else 'SURVIVED'}   {what}", flush=True)
    sys.exit(1 if survived else 0)


if __name__ == "__main__":
    main()
