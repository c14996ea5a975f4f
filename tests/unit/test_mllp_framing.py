"""MLLP framing and the acknowledgements MSH-15/16 ask for, without a socket.

Framing: HL7 v2.5.1 Implementation Guide, appendix C (MLLP release 1): a message is
``<VT> data <FS><CR>``. Acknowledgement modes: HL7 v2.5.1 chapter 2.9 and table 0155.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marrowscope.interop.mllp import Deframer, FrameTooLarge, ack_code, frame
from marrowscope.interop.mllp.ack_modes import ack_modes, answers

MSG = b"MSH|^~\\&|EPIC|STMARYS|MARROWSCOPE|HAEM|20260302073000||OML^O21|EP1|P|2.5.1\rPID|1\r"
AA = "MSH|^~\\&|MARROWSCOPE||EPIC||20260302||ACK^O21^ACK|A1|P|2.5.1\rMSA|AA|EP1\r"
AE = (
    "MSH|^~\\&|MARROWSCOPE||EPIC||20260302||ACK^O21^ACK|A1|P|2.5.1\r"
    "MSA|AE|EP1|PID-3 unknown\rERR||||E|||PID-3 unknown\r"
)


def _with_modes(accept: str, application: str) -> str:
    return (
        "MSH|^~\\&|EPIC|STMARYS|MARROWSCOPE|HAEM|20260302073000||OML^O21|EP1|P|2.5.1|||"
        f"{accept}|{application}\rPID|1\r"
    )


def test_a_frame_is_vt_message_fs_cr() -> None:
    assert frame(MSG) == b"\x0b" + MSG + b"\x1c\r"


def test_a_payload_holding_a_block_character_is_not_framed() -> None:
    with pytest.raises(ValueError, match="block characters"):
        frame(b"MSH|\x1c")


@given(st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=30))
def test_messages_come_out_whole_however_the_stream_is_cut(cuts: list[int]) -> None:
    """Three messages cut into reads of any sizes come out as the three messages."""
    stream = frame(MSG) + b"\r\n" + frame(MSG + b"OBR|1\r") + frame(b"MSH|x")
    reader = Deframer(max_bytes=10_000)
    out: list[bytes] = []
    at = turn = 0
    while at < len(stream):
        size = cuts[turn % len(cuts)]
        out += reader.feed(stream[at : at + size])
        at += size
        turn += 1

    assert out == [MSG, MSG + b"OBR|1\r", b"MSH|x"]
    assert not reader.pending


def test_noise_between_frames_is_dropped() -> None:
    reader = Deframer(max_bytes=1000)

    assert reader.feed(b"\r\n  " + frame(b"A") + b"junk" + frame(b"B")) == [b"A", b"B"]


def test_a_message_at_the_limit_passes_and_one_byte_more_is_refused() -> None:
    at_limit = b"M" * 100

    assert Deframer(max_bytes=100).feed(frame(at_limit)) == [at_limit]
    with pytest.raises(FrameTooLarge) as raised:
        Deframer(max_bytes=100).feed(frame(at_limit + b"M"))
    assert raised.value.head.startswith(b"MMM") and raised.value.limit == 100


def test_an_oversized_message_keeps_its_header_for_the_answer() -> None:
    reader = Deframer(max_bytes=200)
    reader.feed(b"\x0b" + MSG)

    with pytest.raises(FrameTooLarge) as raised:
        reader.feed(b"OBX|" * 100)

    assert raised.value.head.startswith(b"MSH|^~\\&|EPIC")


@pytest.mark.parametrize(
    ("answer", "code"),
    [(AA, "AA"), (AE, "AE"), ("MSH#^~\\&#X\rMSA#CA#1\r", "CA"), ("MSH|^~\\&|X\r", "")],
)
def test_ack_code_reads_msa_1_with_the_answer_s_own_separator(answer: str, code: str) -> None:
    assert ack_code(answer.encode()) == code


def test_empty_msh_15_and_16_is_original_mode_one_application_ack() -> None:
    assert ack_modes(MSG.decode()) == ("", "")
    assert answers(MSG.decode(), AA, AA, accepted=True, stored=True) == [AA]


@pytest.mark.parametrize(
    ("accept", "application", "accepted", "codes"),
    [
        ("AL", "NE", True, ["CA"]),  # the usual Epic-style setting
        ("AL", "NE", False, ["CA"]),  # stored: the commit ACK is CA even if refused later
        ("AL", "AL", True, ["CA", "AA"]),
        ("AL", "AL", False, ["CA", "AE"]),
        ("NE", "AL", True, ["AA"]),
        ("NE", "ER", True, []),
        ("NE", "ER", False, ["AE"]),
        ("NE", "SU", True, ["AA"]),
        ("NE", "SU", False, []),
        ("ER", "AL", True, ["AA"]),
        ("SU", "NE", True, ["CA"]),
        ("AL", "", True, ["CA", "AA"]),  # enhanced mode: an empty field is read as AL
    ],
)
def test_enhanced_mode_answers_what_msh_15_and_16_ask_for(
    accept: str, application: str, accepted: bool, codes: list[str]
) -> None:
    message = _with_modes(accept, application)
    application_ack = AA if accepted else AE

    sent = answers(message, application_ack, AA, accepted=accepted, stored=True)

    assert [ack_code(a) for a in sent] == codes


def test_the_accept_ack_is_a_general_ack_and_the_application_ack_follows() -> None:
    orl = AE.replace("ACK^O21^ACK", "ORL^O22^ORL_O22")

    sent = answers(_with_modes("AL", "AL"), orl, AA, accepted=False, stored=True)

    assert "ACK^O21^ACK" in sent[0] and "MSA|CA|EP1\r" in sent[0] and "ERR" not in sent[0]
    assert sent[1] == orl


def test_a_message_that_could_not_be_stored_gets_ce_and_no_application_ack() -> None:
    sent = answers(_with_modes("ER", "AL"), AE, AE, accepted=False, stored=False)

    assert [ack_code(a) for a in sent] == ["CE"]
    assert "PID-3 unknown" in sent[0]
