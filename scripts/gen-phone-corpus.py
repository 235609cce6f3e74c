#!/usr/bin/env python3
"""Generate Tests/RecipientsTests/Fixtures/phone-corpus.tsv: an agreement corpus
for the Swift phone parser, with python `phonenumbers` (libphonenumber) as oracle.

Usage:  pip install phonenumbers==9.0.43
        python3 scripts/gen-phone-corpus.py [--seed N] [--out PATH]

(--seed/--out produce extra corpora for exploratory runs; the Swift test reads
another file when PHONE_CORPUS=/path is set.)

Columns: text <TAB> default region (empty = none) <TAB> expected E.164 (empty = rejected)
<TAB> number type <TAB> time zones.
Expected = format_number(parse(text, region), E164) when parse succeeds and
is_valid_number holds, else empty; for those valid numbers, the type is
number_type(...) in lower case (`fixed_line_or_mobile`) and the time zones are
timezone.time_zones_for_number(...) joined with "|" (both empty otherwise).
Deterministic (fixed seed, sorted regions). Texts never contain tabs or newlines.
"""
import os
import random
import sys

import phonenumbers
from phonenumbers import timezone
from phonenumbers import NumberParseException, PhoneMetadata, PhoneNumberFormat, PhoneNumberType
from phonenumbers.phonenumberutil import COUNTRY_CODES_FOR_NON_GEO_REGIONS, SUPPORTED_REGIONS

EXPECTED_VERSION = "9.0.43"
SEED = 20260101
TYPES = [PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE, PhoneNumberType.TOLL_FREE,
         PhoneNumberType.PREMIUM_RATE, PhoneNumberType.SHARED_COST, PhoneNumberType.VOIP,
         PhoneNumberType.PERSONAL_NUMBER, PhoneNumberType.PAGER, PhoneNumberType.UAN,
         PhoneNumberType.VOICEMAIL]
KEY_REGIONS = ["AO", "PT", "BR", "US", "GB", "DE", "FR", "IT", "IN", "NG", "ZA", "MX", "AR",
               "RU", "CN", "JP", "AU", "CA", "ES", "MZ", "CV", "ST", "GW", "TL", "MO", "GG", "JE", "IM",
               "KZ", "NL", "BE", "CH", "AT", "PL", "SE", "NO", "FI", "DK", "IE", "KE", "GH", "EG"]


TYPE_NAMES = {getattr(PhoneNumberType, name): name.lower() for name in dir(PhoneNumberType)
              if name.isupper() and name != "UNKNOWN"}


def oracle(text, region):
    """(E.164, type, zones) as libphonenumber decides them; empty strings for a rejected number."""
    try:
        n = phonenumbers.parse(text, region)
    except NumberParseException:
        return ("", "", "")
    if not phonenumbers.is_valid_number(n):
        return ("", "", "")
    kind = TYPE_NAMES.get(phonenumbers.number_type(n), "")
    zones = "|".join(timezone.time_zones_for_number(n))
    return (phonenumbers.format_number(n, PhoneNumberFormat.E164), kind, zones)


def mutate(rnd, digits):
    s = list(digits)
    kind = rnd.randrange(3)
    positions = [i for i, c in enumerate(s) if c.isdigit()]
    if kind == 0 and positions:
        i = rnd.choice(positions)
        s[i] = str((int(s[i]) + rnd.randrange(1, 10)) % 10)
    elif kind == 1 and len(s) > 1:
        del s[rnd.randrange(len(s))]
    else:
        s.insert(rnd.randrange(len(s) + 1), str(rnd.randrange(10)))
    return "".join(s)


def simple_idd(meta):
    """The region's international prefix when it is a plain digit string."""
    for p in (meta.preferred_international_prefix, meta.international_prefix):
        if p and p.isdigit():
            return p
    return None


def main():
    if phonenumbers.__version__ != EXPECTED_VERSION:
        sys.exit("expected phonenumbers %s, found %s" % (EXPECTED_VERSION, phonenumbers.__version__))
    import argparse
    args = argparse.ArgumentParser()
    args.add_argument("--seed", type=int, default=SEED)
    args.add_argument("--out")
    opts = args.parse_args()
    rnd = random.Random(opts.seed)
    rows = []
    seen = set()

    def add(text, region):
        text = text.replace("\t", " ").replace("\n", " ").replace("\r", " ")
        key = (text, region or "")
        if key in seen:
            return
        seen.add(key)
        rows.append((text, region or "") + oracle(text, region))

    regions = sorted(SUPPORTED_REGIONS)
    for region in regions:
        meta = PhoneMetadata.metadata_for_region(region)
        cc = str(meta.country_code)
        idd = simple_idd(meta)
        other = rnd.choice(regions)
        key = region in KEY_REGIONS
        examples = []
        for t in TYPES:
            n = phonenumbers.example_number_for_type(region, t)
            if n is not None:
                examples.append(n)
        for n in examples:
            nsn = phonenumbers.national_significant_number(n)
            e164 = phonenumbers.format_number(n, PhoneNumberFormat.E164)
            national = phonenumbers.format_number(n, PhoneNumberFormat.NATIONAL)
            intl = phonenumbers.format_number(n, PhoneNumberFormat.INTERNATIONAL)
            forms = [
                (e164, region), (e164, None), (e164, other), (national, region), (intl, region),
                (intl, None), (nsn, region), (cc + nsn, region), ("00" + cc + nsn, region),
                (national.replace(" ", "-"), region), (national.replace(" ", "."), region),
                (national.replace(" ", ""), region), (intl.replace(" ", "-"), region),
                ("(" + nsn[:3] + ") " + nsn[3:], region), (national, other), (nsn, other),
                (national, None), ("+" + cc + " (0) " + nsn, region), (e164 + " ext. 123", region),
                (intl + " x45", region), (national + " #12", region),
                ("+" + cc + "\u00a0" + nsn, region), ("\uff0b" + cc + " " + nsn, region),
                ("tel: " + e164, region), (" " + national + " ", region), ("+" + e164, region),
                ("0" + nsn, region), ("00" + nsn, region), (cc + "0" + nsn, region),
            ]
            if idd:
                forms.append((idd + cc + nsn, region))
                forms.append((idd + " " + cc + " " + nsn, region))
            for text, reg in forms:
                add(text, reg)
            for _ in range(8 if key else 4):
                m = mutate(rnd, nsn)
                add("+" + cc + m, region)
                add(m, region)
                add(mutate(rnd, national), region)
            if key:
                fw = "".join(chr(0xFF10 + int(c)) for c in nsn)
                add(fw, region)
                add("+" + cc + nsn[:4] + "/" + nsn[4:], region)
                add(e164 + ";ext=55", region)
                add(e164 + ",,12", region)
                add(national + " - 503#", region)
                for _ in range(20):
                    add(mutate(rnd, mutate(rnd, nsn)), region)
                    add(nsn[:len(nsn) // 2] + rnd.choice(["-", " ", ".", "/"]) + nsn[len(nsn) // 2:], region)
    for cc in sorted(COUNTRY_CODES_FOR_NON_GEO_REGIONS):
        meta = PhoneMetadata.metadata_for_nongeo_region(cc)
        for attr in ["toll_free", "premium_rate", "shared_cost", "voip", "personal_number", "uan", "mobile", "fixed_line"]:
            desc = getattr(meta, attr)
            if desc is None or not desc.example_number:
                continue
            nsn = desc.example_number
            for text, reg in [("+%d%s" % (cc, nsn), None), ("+%d %s" % (cc, nsn), "AO"), ("00%d%s" % (cc, nsn), "PT"),
                              ("011%d%s" % (cc, nsn), "US")]:
                add(text, reg)
            for _ in range(10):
                add("+%d%s" % (cc, mutate(rnd, nsn)), None)

    # Angolan CSV forms (the product's main market).
    for _ in range(1500):
        nsn = "9" + rnd.choice("1234579") + "".join(str(rnd.randrange(10)) for _ in range(7))
        form = rnd.randrange(8)
        text = ["+244" + nsn, nsn, "+244 %s %s %s" % (nsn[:3], nsn[3:6], nsn[6:]), "00244" + nsn,
                "%s-%s-%s" % (nsn[:3], nsn[3:6], nsn[6:]), "244" + nsn, mutate(rnd, nsn), "(+244) " + nsn][form]
        add(text, "AO")

    # Garbage and edge cases.
    garbage = ["", " ", "abc", "n/a", "N/A", "-", "+", "++", "00", "0", "4.47E+11", "2.44923E+11",
               "9.23457E+08", "2,44923E+11", "1-800-FLOWERS", "1-800-MICROSOFT", "+1 800 FLOWERS",
               "call me", "+244", "+0123456789", "+999123456789", "0000000000", "1" * 30, "9" * 18,
               "+244 923 456 789 / 923 456 780", "923456789/x12", "+244923456789#", "#923456789",
               "+244-923-456-789 ext 1", "tel:+244923456789", "+244923456789;isub=12",
               "+244 923 456 789 anexo 12", "\u0669\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669",
               "12", "123", "+12", "+44 (0) 20 7031 3000", "+39 06 6982 0000", "+54 9 11 1234 5678",
               "011 54 9 11 1234 5678", "+52 1 55 1234 5678", "+55 (11) 91234-5678", "0 11 15 1234 5678"]
    for text in garbage:
        for reg in [None, "AO", "US", "GB", "AR", "BR"]:
            add(text, reg)
    alphabet = "0123456789+-. ()/xX#*,;abcEe\u00a0\uff0b\uff11"
    for _ in range(4000):
        length = rnd.randrange(0, 22)
        text = "".join(rnd.choice(alphabet) for _ in range(length))
        add(text, rnd.choice(KEY_REGIONS + [None]))
    for _ in range(3000):
        region = rnd.choice(KEY_REGIONS)
        text = "".join(rnd.choice("0123456789") for _ in range(rnd.randrange(6, 16)))
        if rnd.random() < 0.3:
            text = "+" + text
        add(text, region)

    here = os.path.dirname(os.path.abspath(__file__))
    out = opts.out or os.path.join(here, "..", "Tests", "RecipientsTests", "Fixtures", "phone-corpus.tsv")
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        f.write("# generated by scripts/gen-phone-corpus.py with phonenumbers %s (seed %d)\n" % (phonenumbers.__version__, opts.seed))
        for row in rows:
            f.write("\t".join(row) + "\n")
    valid = sum(1 for r in rows if r[2])
    types = {}
    for r in rows:
        if r[2]:
            types[r[3]] = types.get(r[3], 0) + 1
    zoned = sum(1 for r in rows if r[2] and r[4] != "Etc/Unknown")
    print("rows=%d valid=%d regions=%d bytes=%d zoned=%d types=%s" % (
        len(rows), valid, len(regions), os.path.getsize(out), zoned, sorted(types.items())))


if __name__ == "__main__":
    main()
