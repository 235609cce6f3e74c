#!/usr/bin/env python3
"""Generate Sources/Recipients/Phone/PhoneMetadata+Generated.swift from the
pinned python `phonenumbers` package (a port of Google's libphonenumber).

Usage:  pip install phonenumbers==9.0.43
        python3 scripts/gen-phone-metadata.py [--self-check]

--self-check also verifies every compiled DFA and program against the
phonenumbers package itself on mutated example numbers (a few seconds).

Why this shape: the Swift side must validate > 1M numbers/s without any regex
engine, so every libphonenumber pattern is compiled here, at generation time:

* validity and number type (`_number_type_helper`: the number-type patterns in
  libphonenumber's order of precedence, each with its possible lengths, within
  the general pattern and lengths) become one minimal DFA per region over the
  ten digits; each DFA state carries a flags byte: bit 0 = "the general
  national-number pattern matches" (used when stripping national prefixes),
  bits 1-4 = the number type's code (TYPE_CODES; 0 = unknown, i.e. not a
  valid number), so validity is "bits 1-4 non-zero" and costs nothing extra;
* the time-zone data of `phonenumbers.timezone` (prefix -> zones, the same
  release) is packed into a second literal, decoded only when asked for;
* the small patterns used with Python `re.match` semantics (international
  prefix, national prefix for parsing with its capture groups, leading digits)
  become tiny backtracking programs (split/jump/save/class) that reproduce
  Python's leftmost-first match exactly.

Everything is packed into one base64 string literal (large Swift array
literals compile very slowly) that the Swift code decodes once, lazily.
The output is deterministic: same phonenumbers version -> same bytes.
"""
import base64
import os
import struct
import sys

import phonenumbers
from phonenumbers import PhoneMetadata
from phonenumbers.phonenumberutil import (COUNTRY_CODE_TO_REGION_CODE,
                                          COUNTRY_CODES_FOR_NON_GEO_REGIONS,
                                          SUPPORTED_REGIONS)

EXPECTED_VERSION = "9.0.43"
MAX_LEN = 17          # libphonenumber's _MAX_LENGTH_FOR_NSN
DEPTH_CAP = MAX_LEN + 1
TYPE_FIELDS = ["premium_rate", "toll_free", "shared_cost", "voip", "personal_number",
               "pager", "uan", "voicemail", "fixed_line", "mobile"]
ALL = frozenset(range(10))
# Number type codes stored in DFA flag bits 1-4 (PhoneNumberType's codes on the Swift side).
TYPE_CODES = {"fixed_line": 1, "mobile": 2, "fixed_line_or_mobile": 3, "toll_free": 4, "premium_rate": 5,
              "shared_cost": 6, "voip": 7, "personal_number": 8, "pager": 9, "uan": 10, "voicemail": 11}

# --------------------------------------------------------------------------
# Regex parsing (the subset libphonenumber metadata uses)
# AST: ('set', frozenset) | ('cat', [..]) | ('alt', [..]) |
#      ('rep', node, lo, hi_or_None) | ('group', index, node) | ('eol',)
# --------------------------------------------------------------------------


class Parser:
    def __init__(self, text):
        self.s = text
        self.i = 0
        self.groups = 0

    def parse(self):
        node = self.alt()
        if self.i != len(self.s):
            raise ValueError("trailing input in %r at %d" % (self.s, self.i))
        return node

    def peek(self):
        return self.s[self.i] if self.i < len(self.s) else None

    def alt(self):
        branches = [self.cat()]
        while self.peek() == "|":
            self.i += 1
            branches.append(self.cat())
        return branches[0] if len(branches) == 1 else ("alt", branches)

    def cat(self):
        items = []
        while self.peek() is not None and self.peek() not in "|)":
            items.append(self.quantified())
        return ("cat", items)

    def quantified(self):
        atom = self.atom()
        while True:
            c = self.peek()
            if c == "?":
                self.i += 1
                atom = ("rep", atom, 0, 1)
            elif c == "*":
                self.i += 1
                atom = ("rep", atom, 0, None)
            elif c == "+":
                self.i += 1
                atom = ("rep", atom, 1, None)
            elif c == "{":
                j = self.s.index("}", self.i)
                body = self.s[self.i + 1:j]
                self.i = j + 1
                if "," in body:
                    lo, hi = body.split(",")
                    atom = ("rep", atom, int(lo), int(hi) if hi else None)
                else:
                    atom = ("rep", atom, int(body), int(body))
            else:
                return atom
            if self.peek() == "?":
                raise ValueError("lazy quantifier unsupported: %r" % self.s)

    def atom(self):
        c = self.peek()
        if c == "(":
            self.i += 1
            if self.s.startswith("?:", self.i):
                self.i += 2
                node = self.alt()
                self.expect(")")
                return node
            self.groups += 1
            index = self.groups
            node = self.alt()
            self.expect(")")
            return ("group", index, node)
        if c == "[":
            return self.char_class()
        if c == "\\":
            self.i += 2
            if self.s[self.i - 1] == "d":
                return ("set", ALL)
            raise ValueError("escape unsupported: %r" % self.s)
        if c == "$":
            self.i += 1
            return ("eol",)
        if c is not None and c.isdigit():
            self.i += 1
            return ("set", frozenset([int(c)]))
        raise ValueError("unsupported char %r in %r" % (c, self.s))

    def char_class(self):
        self.expect("[")
        negate = False
        if self.peek() == "^":
            negate = True
            self.i += 1
        out = set()
        while self.peek() != "]":
            if self.s.startswith("\\d", self.i):
                out |= ALL
                self.i += 2
                continue
            a = int(self.s[self.i])
            self.i += 1
            if self.peek() == "-" and self.s[self.i + 1] != "]":
                b = int(self.s[self.i + 1])
                self.i += 2
                out |= set(range(a, b + 1))
            else:
                out.add(a)
        self.i += 1
        return ("set", frozenset(ALL - out if negate else out))

    def expect(self, ch):
        if self.peek() != ch:
            raise ValueError("expected %r in %r at %d" % (ch, self.s, self.i))
        self.i += 1


def parse(pattern):
    p = Parser(pattern)
    return p.parse(), p.groups

# --------------------------------------------------------------------------
# Thompson NFA (for DFAs): states are ints; eps[s] list, edges[s] list of (set, t)
# --------------------------------------------------------------------------


class NFA:
    def __init__(self):
        self.eps = []
        self.edges = []

    def new(self):
        self.eps.append([])
        self.edges.append([])
        return len(self.eps) - 1

    def build(self, node, start):
        """Adds `node` starting at `start`; returns the end state."""
        kind = node[0]
        if kind == "set":
            end = self.new()
            self.edges[start].append((node[1], end))
            return end
        if kind == "cat":
            cur = start
            for item in node[1]:
                cur = self.build(item, cur)
            return cur
        if kind == "alt":
            end = self.new()
            for b in node[1]:
                s = self.new()
                self.eps[start].append(s)
                e = self.build(b, s)
                self.eps[e].append(end)
            return end
        if kind == "group":
            return self.build(node[2], start)
        if kind == "rep":
            _, body, lo, hi = node
            cur = start
            for _ in range(lo):
                cur = self.build(body, cur)
            if hi is None:
                loop = self.new()
                self.eps[cur].append(loop)
                e = self.build(body, loop)
                self.eps[e].append(loop)
                return loop
            end = self.new()
            self.eps[cur].append(end)
            for _ in range(hi - lo):
                cur = self.build(body, cur)
                self.eps[cur].append(end)
            return end
        raise ValueError("node %r unsupported in DFA patterns" % (kind,))

    def closure(self, states):
        stack = list(states)
        seen = set(states)
        while stack:
            s = stack.pop()
            for t in self.eps[s]:
                if t not in seen:
                    seen.add(t)
                    stack.append(t)
        return frozenset(seen)


def region_dfa(meta):
    """Minimal DFA over digits; state flags: 1 = general pattern, 2 = valid."""
    nfa = NFA()
    start = nfa.new()
    gen = meta.general_desc
    g_start = nfa.new()
    nfa.eps[start].append(g_start)
    g_end = nfa.build(parse(gen.national_number_pattern)[0], g_start)
    gen_lengths = set(gen.possible_length)
    type_accepts = []  # (field, end_state, lengths or None)
    for field in TYPE_FIELDS:
        desc = getattr(meta, field)
        if desc is None or not desc.national_number_pattern:
            continue
        s = nfa.new()
        nfa.eps[start].append(s)
        e = nfa.build(parse(desc.national_number_pattern)[0], s)
        type_accepts.append((field, e, set(desc.possible_length) if desc.possible_length else None))
    same_pattern = bool(meta.same_mobile_and_fixed_line_pattern)

    def flags(nset, depth):
        """`_number_type_helper`, decided per DFA state: fields in TYPE_FIELDS' order of precedence."""
        f = 0
        if g_end in nset:
            f |= 1
            if depth in gen_lengths:
                matched = set(field for field, e, lens in type_accepts
                              if e in nset and (lens is None or depth in lens))
                kind = None
                for field in TYPE_FIELDS[:8]:
                    if field in matched:
                        kind = field
                        break
                if kind is None and "fixed_line" in matched:
                    kind = "fixed_line_or_mobile" if same_pattern or "mobile" in matched else "fixed_line"
                if kind is None and not same_pattern and "mobile" in matched:
                    kind = "mobile"
                if kind is not None:
                    f |= TYPE_CODES[kind] << 1
        return f

    init = (nfa.closure([start]), 0)
    index = {init: 0}
    order = [init]
    trans = []
    k = 0
    while k < len(order):
        nset, depth = order[k]
        k += 1
        row = []
        for d in range(10):
            nxt = set()
            for s in nset:
                for cs, t in nfa.edges[s]:
                    if d in cs:
                        nxt.add(t)
            if not nxt:
                row.append(-1)
                continue
            key = (nfa.closure(nxt), min(depth + 1, DEPTH_CAP))
            if key not in index:
                index[key] = len(order)
                order.append(key)
            row.append(index[key])
        trans.append(row)
    fl = [flags(ns, d) for ns, d in order]
    return minimize(trans, fl)


def minimize(trans, fl):
    """Moore partition refinement; returns (rows, flags) with state 0 = start and
    -1 = dead. Dead-equivalent states (no accepting state reachable) become -1."""
    n = len(trans)
    # Remove states from which no flagged state is reachable (they act as dead).
    rev = [[] for _ in range(n)]
    for s, row in enumerate(trans):
        for t in row:
            if t >= 0:
                rev[t].append(s)
    live = set(s for s in range(n) if fl[s])
    stack = list(live)
    while stack:
        t = stack.pop()
        for s in rev[t]:
            if s not in live:
                live.add(s)
                stack.append(s)
    if 0 not in live:
        return [[-1] * 10], [0]
    cls = {s: fl[s] for s in live}
    while True:
        sig = {}
        new = {}
        for s in sorted(live):
            key = (cls[s], tuple(cls[t] if t in live else -1 for t in trans[s]))
            if key not in sig:
                sig[key] = len(sig)
            new[s] = sig[key]
        if len(set(new.values())) == len(set(cls.values())):
            cls = new
            break
        cls = new
    # Renumber in BFS order from the start state for determinism.
    order = {cls[0]: 0}
    queue = [0]
    rep = {cls[0]: 0}
    rows, flags = [], []
    qi = 0
    while qi < len(queue):
        s = queue[qi]
        qi += 1
        row = []
        for t in trans[s]:
            if t < 0 or t not in live:
                row.append(-1)
                continue
            c = cls[t]
            if c not in order:
                order[c] = len(order)
                rep[c] = t
                queue.append(t)
            row.append(order[c])
        rows.append(row)
        flags.append(fl[s])
    return rows, flags

# --------------------------------------------------------------------------
# Backtracking programs (Python re.match semantics, leftmost-first)
# Instruction = 3 x uint16: (op, a, b)
#   0 CLASS mask      1 SPLIT a b (prefer a)   2 JMP a
#   3 SAVE slot       4 EOL                    5 MATCH
# --------------------------------------------------------------------------


def compile_program(pattern):
    ast, ngroups = parse(pattern)
    code = []

    def emit(op, a=0, b=0):
        code.append([op, a, b])
        return len(code) - 1

    def gen(node):
        kind = node[0]
        if kind == "set":
            emit(0, sum(1 << d for d in node[1]))
        elif kind == "cat":
            for item in node[1]:
                gen(item)
        elif kind == "alt":
            jumps = []
            branches = node[1]
            for i, b in enumerate(branches):
                if i < len(branches) - 1:
                    sp = emit(1)
                    code[sp][1] = len(code)
                    gen(b)
                    jumps.append(emit(2))
                    code[sp][2] = len(code)
                else:
                    gen(b)
            for j in jumps:
                code[j][1] = len(code)
        elif kind == "group":
            emit(3, 2 * node[1])
            gen(node[2])
            emit(3, 2 * node[1] + 1)
        elif kind == "eol":
            emit(4)
        elif kind == "rep":
            _, body, lo, hi = node
            for _ in range(lo):
                gen(body)
            if hi is None:
                top = emit(1)
                code[top][1] = len(code)
                gen(body)
                emit(2, top)
                code[top][2] = len(code)
            else:
                splits = []
                for _ in range(hi - lo):
                    sp = emit(1)
                    code[sp][1] = len(code)
                    splits.append(sp)
                    gen(body)
                for sp in splits:
                    code[sp][2] = len(code)
        else:
            raise ValueError(kind)

    gen(ast)
    emit(5)
    return code, ngroups

# --------------------------------------------------------------------------
# Binary packing
# --------------------------------------------------------------------------


class Blob:
    def __init__(self):
        self.b = bytearray()

    def u8(self, v):
        assert 0 <= v < 256
        self.b += struct.pack("<B", v)

    def u16(self, v):
        assert 0 <= v < 65536, v
        self.b += struct.pack("<H", v)

    def u32(self, v):
        self.b += struct.pack("<I", v)

    def text(self, s):
        data = s.encode("ascii")
        self.u8(len(data))
        self.b += data

    def program(self, pattern):
        if not pattern:
            self.u16(0)
            return
        code, ngroups = compile_program(pattern)
        assert ngroups <= 7, "Swift side keeps 16 capture slots"
        self.u16(len(code))
        self.u8(ngroups)
        for op, a, b in code:
            self.u8(op)
            self.u16(a)
            self.u16(b)


def self_check(entries):
    """Compares the compiled automata with phonenumbers' own regex evaluation."""
    import random
    import re
    from phonenumbers import phonenumberutil as pu
    rnd = random.Random(1)
    failures = 0

    def run_dfa(rows, flags, digits):
        state = 0
        for ch in digits:
            state = rows[state][int(ch)]
            if state < 0:
                return 0
        return flags[state]

    def run_program(code, text):
        def step(pc, i, caps):
            while True:
                op, a, b = code[pc]
                if op == 0:
                    if i < len(text) and (a >> int(text[i])) & 1:
                        pc, i = pc + 1, i + 1
                    else:
                        return None
                elif op == 1:
                    found = step(a, i, dict(caps))
                    if found:
                        return found
                    pc = b
                elif op == 2:
                    pc = a
                elif op == 3:
                    caps[a] = i
                    pc += 1
                elif op == 4:
                    if i != len(text):
                        return None
                    pc += 1
                else:
                    return i, caps
        return step(0, 0, {})

    for key, meta in entries:
        rows, flags = region_dfa(meta)
        samples = [d.example_number for d in [meta.general_desc] + [getattr(meta, f) for f in TYPE_FIELDS]
                   if d is not None and d.example_number] or ["123"]
        for _ in range(300):
            s = list(rnd.choice(samples))
            kind = rnd.randrange(4)
            if kind == 0:
                s[rnd.randrange(len(s))] = str(rnd.randrange(10))
            elif kind == 1 and len(s) > 1:
                del s[rnd.randrange(len(s))]
            elif kind == 2:
                s.insert(rnd.randrange(len(s) + 1), str(rnd.randrange(10)))
            text = "".join(s)
            expected = ((1 if pu._match_national_number(text, meta.general_desc, False) else 0)
                        | (type_code(pu._number_type_helper(text, meta)) << 1))
            if run_dfa(rows, flags, text) != expected:
                failures += 1
                print("DFA mismatch", key, meta.country_code, text)
        for pattern in [meta.international_prefix, meta.national_prefix_for_parsing, meta.leading_digits]:
            if not pattern or pattern == "None":
                continue
            code, ngroups = compile_program(pattern)
            compiled = re.compile(pattern)
            for _ in range(200):
                text = "".join(str(rnd.randrange(10)) for _ in range(rnd.randrange(14)))
                if rnd.random() < 0.5:
                    text = samples[0] + text
                m = compiled.match(text)
                got = run_program(code, text)
                want = (m.end(), tuple(m.group(g) for g in range(1, ngroups + 1))) if m else None
                have = None
                if got:
                    end, caps = got
                    have = (end, tuple(text[caps[2 * g]:caps[2 * g + 1]] if 2 * g in caps and 2 * g + 1 in caps else None
                                       for g in range(1, ngroups + 1)))
                if want != have:
                    failures += 1
                    print("program mismatch", key, pattern, text, want, have)
    print("self-check: %d mismatches" % failures)
    return failures == 0


def type_code(number_type):
    """The TYPE_CODES code of a phonenumbers PhoneNumberType (0 for UNKNOWN)."""
    from phonenumbers import PhoneNumberType
    names = {getattr(PhoneNumberType, name.upper()): code for name, code in TYPE_CODES.items()}
    return names.get(number_type, 0)


def time_zone_blob():
    """phonenumbers.timezone's data, packed: zone names, zone sets, then prefix -> set, and the calling
    codes whose mobile numbers are geographical (libphonenumber's GEO_MOBILE_COUNTRIES)."""
    from phonenumbers.tzdata import TIMEZONE_DATA, TIMEZONE_LONGEST_PREFIX
    from phonenumbers import phonenumberutil as pu
    zones = sorted(set(z for zs in TIMEZONE_DATA.values() for z in zs))
    zone_index = {z: i for i, z in enumerate(zones)}
    sets = sorted(set(TIMEZONE_DATA.values()))
    set_index = {zs: i for i, zs in enumerate(sets)}
    blob = Blob()
    blob.u8(TIMEZONE_LONGEST_PREFIX)
    blob.u16(len(zones))
    for z in zones:
        blob.text(z)
    blob.u16(len(sets))
    for zs in sets:
        blob.u8(len(zs))
        for z in zs:          # phonenumbers' order, kept
            blob.u16(zone_index[z])
    prefixes = sorted(TIMEZONE_DATA)
    blob.u16(len(prefixes))
    for prefix in prefixes:
        blob.text(prefix)
        blob.u16(set_index[TIMEZONE_DATA[prefix]])
    geo = sorted(pu._GEO_MOBILE_COUNTRIES)
    blob.u8(len(geo))
    for cc in geo:
        blob.u16(cc)
    return blob, len(prefixes), len(zones)


def lengths_mask(lengths):
    m = 0
    for n in lengths:
        if n > 0:
            m |= 1 << n
    return m


def main():
    if phonenumbers.__version__ != EXPECTED_VERSION:
        sys.exit("expected phonenumbers %s, found %s" % (EXPECTED_VERSION, phonenumbers.__version__))
    here = os.path.dirname(os.path.abspath(__file__))
    out_path = os.path.join(here, "..", "Sources", "Recipients", "Phone", "PhoneMetadata+Generated.swift")

    entries = []  # (key, meta)
    for region in sorted(SUPPORTED_REGIONS):
        entries.append((region, PhoneMetadata.metadata_for_region(region)))
    for cc in sorted(COUNTRY_CODES_FOR_NON_GEO_REGIONS):
        entries.append(("001", PhoneMetadata.metadata_for_nongeo_region(cc)))
    max_total = max(len(str(m.country_code)) + max(m.general_desc.possible_length) for _, m in entries)
    assert max_total <= 19, "E164Number packs numbers into a UInt64 (19 digits max)"
    index_of_region = {r: i for i, (r, _) in enumerate(entries) if r != "001"}
    index_of_nongeo = {m.country_code: i for i, (r, m) in enumerate(entries) if r == "001"}

    blob = Blob()
    blob.u16(len(entries))
    all_rows = []
    all_flags = []
    total_states = 0
    for key, meta in entries:
        rows, flags = region_dfa(meta)
        blob.text(key)
        blob.u16(meta.country_code)
        ip = meta.international_prefix
        blob.program(ip if ip and ip != "None" else "")
        blob.text(meta.national_prefix or "")
        npfp = meta.national_prefix_for_parsing or ""
        blob.program(npfp)
        blob.text(meta.national_prefix_transform_rule or "")
        blob.u32(lengths_mask(meta.general_desc.possible_length))
        blob.u32(lengths_mask(meta.general_desc.possible_length_local_only))
        blob.program(meta.leading_digits or "")
        blob.u32(total_states)
        total_states += len(rows)
        all_rows.append(rows)
        all_flags.append(flags)
    # Calling codes -> entries, in libphonenumber's order (main country first).
    codes = sorted(COUNTRY_CODE_TO_REGION_CODE)
    blob.u16(len(codes))
    for cc in codes:
        regions = COUNTRY_CODE_TO_REGION_CODE[cc]
        blob.u16(cc)
        if cc in COUNTRY_CODES_FOR_NON_GEO_REGIONS:
            idxs = [index_of_nongeo[cc]]
        else:
            idxs = [index_of_region[r] for r in regions if r in index_of_region]
        blob.u8(len(idxs))
        for i in idxs:
            blob.u16(i)
    # DFA table: per state, flags byte then a 10-bit mask of live digits, then
    # the targets (region-local index, u16) for those digits only.
    blob.u32(total_states)
    for rows, flags in zip(all_rows, all_flags):
        for row, f in zip(rows, flags):
            mask = sum(1 << d for d in range(10) if row[d] >= 0)
            blob.u8(f)
            blob.u16(mask)
            for d in range(10):
                if row[d] >= 0:
                    blob.u16(row[d])

    data = base64.b64encode(bytes(blob.b)).decode("ascii")
    width = 120
    lines = [data[i:i + width] for i in range(0, len(data), width)]
    tz_blob, tz_prefixes, tz_zones = time_zone_blob()
    tz_data = base64.b64encode(bytes(tz_blob.b)).decode("ascii")
    tz_lines = [tz_data[i:i + width] for i in range(0, len(tz_data), width)]
    with open(out_path, "w", newline="\n") as f:
        f.write("// GENERATED FILE - DO NOT EDIT.\n")
        f.write("// Generated by scripts/gen-phone-metadata.py from the python `phonenumbers` package\n")
        f.write("// version %s (a port of Google's libphonenumber, Apache-2.0; see LICENSE-libphonenumber.txt).\n" % phonenumbers.__version__)
        f.write("// %d metadata entries, %d DFA states, %d bytes of packed data;\n" % (len(entries), total_states, len(blob.b)))
        f.write("// time zones: %d prefixes, %d zones, %d bytes of packed data.\n\n" % (tz_prefixes, tz_zones, len(tz_blob.b)))
        f.write("extension PhoneMetadata {\n")
        f.write("    /// Version of the python `phonenumbers` package the metadata was generated from.\n")
        f.write("    static let sourceVersion = \"%s\"\n\n" % phonenumbers.__version__)
        f.write("    /// Packed metadata (base64, line breaks ignored); decoded once by `PhoneMetadata.shared`.\n")
        f.write("    static let packedBase64: StaticString = \"\"\"\n")
        for line in lines:
            f.write("        " + line + "\n")
        f.write("        \"\"\"\n")
        f.write("\n    /// Packed time-zone data (base64): decoded only when a time zone is asked for, by `PhoneTimeZones.shared`.\n")
        f.write("    static let timeZonePackedBase64: StaticString = \"\"\"\n")
        for line in tz_lines:
            f.write("        " + line + "\n")
        f.write("        \"\"\"\n}\n")
    print("entries=%d states=%d bytes=%d base64=%d tz_prefixes=%d tz_bytes=%d" % (
        len(entries), total_states, len(blob.b), len(data), tz_prefixes, len(tz_blob.b)))
    if "--self-check" in sys.argv[1:] and not self_check(entries):
        sys.exit(1)


if __name__ == "__main__":
    main()
