from models.segmentation import SegmentKind, classify_line, segment, split_sentences


def test_offsets_index_the_original_text(example_text: str) -> None:
    segments = segment(example_text)
    assert segments
    for piece in segments:
        assert example_text[piece.start : piece.end] == piece.text


def test_page_furniture_is_set_aside(example_text: str) -> None:
    segments = segment(example_text)

    def kind_of(prefix: str) -> SegmentKind:
        (found,) = [s.kind for s in segments if s.text.startswith(prefix)]
        return found

    assert kind_of("Keir Starmer heads to Paris") is SegmentKind.HEADLINE
    assert kind_of("Sir Keir is expected to arrive") is SegmentKind.CAPTION
    assert kind_of("British soldiers could be sent") is SegmentKind.CAPTION
    assert kind_of("Mandatory Credit: Photo by") is SegmentKind.CAPTION
    assert kind_of("Get in touch with our news team") is SegmentKind.BOILERPLATE
    assert kind_of("For more stories like this") is SegmentKind.BOILERPLATE
    assert kind_of("A YouGov poll last month") is SegmentKind.SENTENCE


def test_abbreviations_do_not_split_sentences() -> None:
    text = "The vote is at 3 p.m. E.T. on Monday, Mr. Jones said. U.S. officials agreed."
    spans = split_sentences(text)
    assert [text[a:b] for a, b in spans] == [
        "The vote is at 3 p.m. E.T. on Monday, Mr. Jones said.",
        "U.S. officials agreed.",
    ]


def test_line_classification() -> None:
    assert classify_line("By Jane Smith", is_first=False) is SegmentKind.BOILERPLATE
    assert classify_line("Email us at news@example.org.", is_first=False) is SegmentKind.BOILERPLATE
    assert (
        classify_line("Crowds gathered outside (Photo: AP)", is_first=False) is SegmentKind.CAPTION
    )
    assert classify_line("Prices rose 4% in May.", is_first=False) is SegmentKind.SENTENCE
    assert classify_line("Budget row deepens", is_first=True) is SegmentKind.HEADLINE


def test_offsets_survive_windows_line_endings() -> None:
    text = "Headline here\r\n\r\nThe council spent £4m on the bridge. It opened in 2021.\r\n"
    sentences = [s for s in segment(text) if s.kind is SegmentKind.SENTENCE]
    assert [s.text for s in sentences] == [
        "The council spent £4m on the bridge.",
        "It opened in 2021.",
    ]
    assert all(text[s.start : s.end] == s.text for s in sentences)
