"""Badge codes: Crockford base32, Luhn mod 32, normalised input, mistyped before any query."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from bot.lookup.codes import ALPHABET, CodeCheck, check_code, check_symbol, format_code, generate_code, luhn_valid


def test_generated_codes_are_eleven_symbols_with_a_valid_check() -> None:
    codes = {generate_code() for _ in range(2000)}
    assert len(codes) == 2000  # random, never repeated in practice
    for code in codes:
        assert len(code) == 11 and set(code) <= set(ALPHABET)
        assert luhn_valid(code)
        assert check_code(code) == (CodeCheck.VALID, code)


def test_known_check_symbol() -> None:
    # Worked by hand: payload 0000000001 → the last symbol doubled: 2 → check (32 - 2) % 32 = 30 → "Y".
    assert check_symbol("0000000001") == "Y"
    assert check_code("00000-00000-1Y")[0] is CodeCheck.MALFORMED  # 12 symbols
    assert check_code("00000-00000-Y")[0] is CodeCheck.MISTYPED  # payload 0000000000 has check 0
    assert check_code("00000-00000-0")[0] is CodeCheck.VALID


@given(st.text(alphabet=ALPHABET, min_size=10, max_size=10), st.integers(0, 10), st.sampled_from(ALPHABET))
def test_every_single_symbol_error_is_caught(payload: str, position: int, replacement: str) -> None:
    code = payload + check_symbol(payload)
    typo = code[:position] + replacement + code[position + 1:]
    if typo != code:
        assert check_code(typo)[0] is CodeCheck.MISTYPED


def test_every_adjacent_transposition_is_caught_but_for_luhns_known_pair() -> None:
    code = generate_code()
    for i in range(10):
        swapped = code[:i] + code[i + 1] + code[i] + code[i + 2:]
        if swapped == code:
            continue
        values = sorted((ALPHABET.index(code[i]), ALPHABET.index(code[i + 1])))
        if values == [0, 31]:  # Luhn mod N cannot see 0 ↔ N-1 swapped (as 09 ↔ 90 in decimal)
            continue
        assert check_code(swapped)[0] is CodeCheck.MISTYPED, (code, swapped)


def test_input_is_normalised_as_people_type_it() -> None:
    code = "0000000001Y"
    for typed in ("00000-00001-Y", "ooooo oooo1 y", "OOOOO-OOOOI-Y", "000000000LY", "００００００００01Ｙ",
                  " 00000—00001—y ", "0000000001y"):
        assert check_code(typed) == (CodeCheck.VALID, code), typed
    assert format_code(code) == "00000-00001-Y"


def test_malformed_inputs() -> None:
    for typed in ("", "ABC", "UUUUU-UUUUU-U", "0000000000*Y", "伍秀芳", "A" * 40):
        assert check_code(typed)[0] is CodeCheck.MALFORMED, typed


def test_all_32_symbols_are_used() -> None:
    seen = set(itertools.chain.from_iterable(generate_code() for _ in range(300)))
    assert seen == set(ALPHABET)
