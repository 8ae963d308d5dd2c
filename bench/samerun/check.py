#!/usr/bin/env python3
"""Correctness check of the same-run comparison (run.sh), before anything is measured.

usage: check.py COUNTY A.json B.json C.json B_NOTOKEN.json

A: jiuzhu's answer; B: PostGraphile's; C: the hand-written SQL's document (psql);
B_NOTOKEN: PostGraphile's answer to the same query without a token.
Fails (exit 1) unless:
  - A, B and C are data without errors;
  - A has 50 households, all inside COUNTY's range, hasNextPage true;
  - C is exactly A (same JSON document: order, masking, money formatting, cursor);
  - B returns the same 50 household ids in the same order, and per household the same
    members (name, relation, ID number's region digits, income in fen) and the same grants
    (amount in fen, status, start date, program name) in the same order for grants;
  - B without a token returns no household (the row-level security policy applies).
"""
import json
import sys


def load(path):
    with open(path, encoding="utf-8") as f:
        d = json.load(f)
    if "errors" in d or "data" not in d:
        raise SystemExit(f"{path}: not data-only: {json.dumps(d, ensure_ascii=False)[:400]}")
    return d


def fen(yuan):  # "1811.00" -> 181100
    neg = yuan.startswith("-")
    whole, frac = yuan.lstrip("-").split(".")
    v = int(whole) * 100 + int(frac)
    return -v if neg else v


def mask(s):  # privacy.IDNumber: the six region digits of an 18-character number
    return s[:6] + "*" * 12 if len(s) == 18 else "*" * len(s)


def main():
    county, pa, pb, pc, pn = sys.argv[1:6]
    a, b, c, n = load(pa), load(pb), load(pc), load(pn)
    prefix = county.rstrip("0")
    if len(prefix) < 6:
        prefix = county[:6]
    ha = a["data"]["households"]
    ea = [e["node"] for e in ha["edges"]]
    eb = [e["node"] for e in b["data"]["households"]["edges"]]
    problems = []
    if len(ea) != 50:
        problems.append(f"A returned {len(ea)} households, not 50")
    if not ha["pageInfo"]["hasNextPage"]:
        problems.append("A: hasNextPage is false")
    out = [x["id"] for x in ea if not x["areaCode"].startswith(county[:6])]
    if out:
        problems.append(f"A: {len(out)} households outside the county {county}")
    if a != c:
        problems.append("C (hand-written SQL) differs from A's JSON document")
    ida, idb = [x["id"] for x in ea], [x["rowId"] for x in eb]
    if ida != idb:
        problems.append(f"A and B household ids differ: A {ida[:3]}... B {idb[:3]}...")
    else:
        for x, y in zip(ea, eb):
            ma = sorted((m["name"], m["relation"], m["idNumber"], fen(m["monthlyIncome"])) for m in x["members"])
            mb = sorted((m["name"], m["relation"], mask(m["idNumber"]), int(m["monthlyIncome"])) for m in y["members"]["nodes"])
            if ma != mb:
                problems.append(f"household {x['id']}: members differ: {ma} / {mb}")
                break
            ga = [(fen(g["amount"]), g["status"], g["startDate"], g["program"]["name"]) for g in x["grants"]]
            gb = [(int(g["amount"]), g["status"], g["startDate"], g["program"]["name"]) for g in y["grants"]["nodes"]]
            if ga != gb:
                problems.append(f"household {x['id']}: grants differ: {ga} / {gb}")
                break
            if (x["areaCode"], x["address"], x["povertyRegistered"]) != (y["areaCode"], y["address"], y["povertyRegistered"]):
                problems.append(f"household {x['id']}: fields differ")
                break
    nn = n["data"]["households"]["edges"]
    if nn:
        problems.append(f"B without a token returned {len(nn)} households (RLS not applied?)")
    members = sum(len(x["members"]) for x in ea)
    grants = sum(len(x["grants"]) for x in ea)
    if problems:
        for p in problems:
            print("CHECK FAILED:", p)
        sys.exit(1)
    print(f"check ok: county {county}: A, B and C return the same 50 households "
          f"({ida[0]} .. {ida[-1]}), {members} members, {grants} grants; C's JSON == A's; "
          f"B's members and grants equal A's (member order aside); B without a token sees 0 rows")


if __name__ == "__main__":
    main()
