from models.segmentation import (
    LONG_SENTENCE_WORDS,
    PIECE_WORDS,
    SegmentKind,
    classify_line,
    is_heading_claim,
    logical_lines,
    reading_text,
    segment,
    split_long,
    split_sentences,
    unwrap,
)


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


def test_a_paragraph_with_an_address_or_a_credit_sets_aside_only_that_part() -> None:
    # One line that used to be set aside whole for the e-mail address or the credit in it.
    line = (
        "The council said the bridge would reopen in May after repairs costing four million"
        " pounds. Residents can write to bridges@council.example with questions. The mayor"
        " promised a public meeting next week. (Picture: Getty Images)"
    )
    segments = segment(line)
    assert [(s.kind, s.text.split()[0]) for s in segments] == [
        (SegmentKind.SENTENCE, "The"),
        (SegmentKind.BOILERPLATE, "Residents"),
        (SegmentKind.SENTENCE, "The"),
        (SegmentKind.CAPTION, "(Picture:"),
    ]
    for piece in segments:
        assert line[piece.start : piece.end] == piece.text
    # A line that opens as furniture stays furniture, however long.
    bio = (
        "About the author: Jane Doe has covered local politics for ten years. She lives in"
        " Leeds with two cats and writes a weekly column on planning. Contact jane@paper.example."
    )
    assert [s.kind for s in segment("Headline of the day\n" + bio)][1:] == [SegmentKind.BOILERPLATE]


WRAPPED = (
    "Councillors approve bridge repairs\n"
    "\n"
    "The council said on Tuesday that the bridge over the river would\n"
    "reopen in May after repairs costing four million pounds. The work\n"
    "was delayed twice by floods, and residents complained that the\n"
    "detour added half an hour to every journey into town.\n"
    "\n"
    "The mayor promised a public meeting next week to explain the costs\n"
    "and the new timetable to the people who use the crossing daily.\n"
)


def test_a_hard_wrapped_paragraph_is_read_as_one_line() -> None:
    # A plain-text newsletter or a PDF copied out: every line was broken at a width.
    lines = [WRAPPED[a:b] for a, b in logical_lines(WRAPPED)]
    assert lines[0] == "Councillors approve bridge repairs"
    assert lines[1].startswith("The council said") and lines[1].endswith("into town.")
    assert lines[2].startswith("The mayor promised") and lines[2].endswith("daily.")
    read = unwrap(WRAPPED)
    assert len(read) == len(WRAPPED) and "would reopen in May" in read
    paragraphs = WRAPPED.rstrip("\n").split("\n\n")
    assert read == "\n\n".join(p.replace("\n", " ") for p in paragraphs) + "\n"
    segments = segment(WRAPPED)
    assert [(s.kind, s.text.split()[0]) for s in segments] == [
        (SegmentKind.HEADLINE, "Councillors"),
        (SegmentKind.SENTENCE, "The"),
        (SegmentKind.SENTENCE, "The"),
        (SegmentKind.SENTENCE, "The"),
    ]
    for piece in segments:
        assert WRAPPED[piece.start : piece.end] == piece.text
    crlf = WRAPPED.replace("\n", "\r\n")
    assert [crlf[a:b].split()[:2] for a, b in logical_lines(crlf)] == [
        WRAPPED[a:b].split()[:2] for a, b in logical_lines(WRAPPED)
    ]


def test_a_line_that_goes_on_in_lower_case_continues_the_sentence() -> None:
    # Text copied from a page whose links or emphasis broke the lines, and a two-line
    # excerpt too short to tell its wrapping by counting.
    broken = (
        "Coronavirus myths\n\nThe advice is simple. If you actually\n have\n the coronavirus,"
        " the best thing to do is stay home.\n"
    )
    piece = segment(broken)[-1]
    assert piece.kind is SegmentKind.SENTENCE and piece.text.startswith("If you actually")
    assert piece.text.endswith("stay home.")
    excerpt = (
        "Albert Bourla earns $33 million a year as the CEO of Pfizer,\n"
        "the world’s largest pharmaceutical company."
    )
    assert [s.kind for s in segment(excerpt)] == [SegmentKind.SENTENCE]
    # A new paragraph, a capital or a finished line keep lines apart.
    assert len(segment("Bridge closes\n\nrepairs start on Monday.")) == 2
    assert len(segment("Bridge closes\nRepairs start on Monday.")) == 2
    assert len(segment("The bridge closes today.\nrepairs start on Monday.")) == 2
    # A list of links or handles is not a sentence.
    links = "Sources\n\nSee also\nwww.lilly.com\nwww.lilly.com/news\nhttps://x.example/a\n"
    assert len(logical_lines(links)) == 5


def test_the_reading_text_keeps_every_offset() -> None:
    # Zero-width spaces become spaces; the Persian word keeps its zero-width non-joiner.
    pasted = (
        "Zero\u200bwidth \u200bspaces\ufeff and joiners: \u0645\u06cc\u200c\u0631\u0648\u0645.\n"
    )
    read = reading_text(pasted)
    assert len(read) == len(pasted)
    assert read == "Zero width  spaces  and joiners: \u0645\u06cc\u200c\u0631\u0648\u0645.\n"
    plain = "Nothing to change here.\n"
    assert reading_text(plain) is plain
    assert reading_text(WRAPPED) == unwrap(WRAPPED)


def test_the_reading_text_reads_direction_marks_and_full_width_ascii() -> None:
    # Direction marks and isolates (social posts, right-to-left editors) are spaces.
    marked = "\u2067Said \u200fno.\u2069 \u0642\u0627\u0644\u061c 5"
    assert reading_text(marked) == " Said  no.  \u0642\u0627\u0644  5"
    # Full-width ASCII typed into a Latin-script text is ASCII, one character for one.
    typed = "Rated False\uff0e Prices rose 4\uff05\uff0c says\u3000\uff21\uff22\uff23\uff0e"
    assert reading_text(typed) == "Rated False. Prices rose 4%, says ABC."
    # In Chinese, Japanese or Korean text it is that script's own punctuation.
    chinese = "\u4ed6\u8bf4\uff0c\u8fd9\u662f\u5047\u7684\uff01"
    assert reading_text(chinese) is chinese


def test_short_lines_and_long_ones_are_not_joined() -> None:
    # Lines that are not broken at a width: a list of links' titles, a poem, a normal
    # article whose paragraphs are long lines.
    listing = (
        "Related stories\nBridge closes for repairs\nFloods hit the town centre again\n"
        "Mayor answers questions on costs\nNew timetable for buses\n"
    )
    assert len(logical_lines(listing)) == 5 and unwrap(listing) is listing
    article = WRAPPED.replace("\n", " ").replace("   ", "\n\n") + "\n" + "A long line. " * 12
    assert unwrap(article) is article
    # Short paragraphs of one sentence each, one per line (a page's text as extracted):
    # as full as wrapped lines, but every one ends a sentence.
    paragraphs = (
        "The council said on Tuesday that the bridge over the river would reopen in May.\n"
        "Repairs will cost four million pounds, according to figures it published today.\n"
        "Residents complained that the detour added half an hour to every single journey.\n"
        "The mayor promised a public meeting next week to explain the costs to everyone.\n"
        "Engineers said the old supports had been damaged by floods over three winters.\n"
    )
    assert unwrap(paragraphs) is paragraphs and len(logical_lines(paragraphs)) == 5


def test_a_paragraph_that_lost_its_last_stop_is_still_prose() -> None:
    cut = (
        "The council met on Monday to discuss the budget. Members argued for three hours "
        "about road repairs and school funding, and the vote was put off until"
    )
    assert classify_line(cut, is_first=True) is SegmentKind.SENTENCE
    assert classify_line("Prices rose 4% in May.\u200b", is_first=False) is SegmentKind.SENTENCE
    # A short unpunctuated line stays a heading, even with a stop inside it.
    assert classify_line("U.S. Budget row deepens", is_first=False) is SegmentKind.CAPTION


def test_headlines_and_teasers_are_claims_but_credited_captions_are_not(
    example_text: str,
) -> None:
    headings = {s.text.strip()[:30] for s in segment(example_text) if is_heading_claim(s)}
    assert headings == {
        "Keir Starmer heads to Paris fo",  # the headline
        "British Prime Minister Sir Kei",  # an uncredited caption line
        "METRO GRAPHICS Trumps peace pl",
        "Keir Starmer declares tonight ",  # a teaser cut off mid-sentence
    }


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


def _sentences(text: str, language: str | None = None) -> list[str]:
    return [s.text for s in segment(text, language) if s.kind is SegmentKind.SENTENCE]


def test_hindi_prose_splits_at_the_danda() -> None:
    text = (
        "सोशल मीडिया पर एक मैसेज वायरल हो रहा है। "
        "इसमें दावा किया गया है कि गर्म पानी पीने से वायरस खत्म हो जाता है। "
        "यह दावा फर्जी है।"
    )
    assert _sentences(text) == [
        "सोशल मीडिया पर एक मैसेज वायरल हो रहा है।",
        "इसमें दावा किया गया है कि गर्म पानी पीने से वायरस खत्म हो जाता है।",
        "यह दावा फर्जी है।",
    ]


def test_japanese_prose_splits_at_the_full_stop() -> None:
    text = "政府は新しい法律を発表した。世界の輸出の21%を占める(2022年)。本当だろうか？"
    assert _sentences(text) == [
        "政府は新しい法律を発表した。",
        "世界の輸出の21%を占める(2022年)。",
        "本当だろうか？",
    ]


def test_arabic_prose_and_its_question_mark() -> None:
    text = "قالت الوزارة إن الأسعار ارتفعت بنسبة 20 في المئة. هل هذا صحيح؟"
    assert _sentences(text, "ar") == [
        "قالت الوزارة إن الأسعار ارتفعت بنسبة 20 في المئة.",
        "هل هذا صحيح؟",
    ]


def test_spanish_abbreviations_and_inverted_marks() -> None:
    text = "El Sr. García dijo que el virus murió en 2020. ¿Es esto real? No, es falso."
    assert _sentences(text) == [
        "El Sr. García dijo que el virus murió en 2020.",
        "¿Es esto real?",
        "No, es falso.",
    ]


def test_lines_ending_in_other_scripts_marks_are_prose() -> None:
    for line in [
        "यह दावा फर्जी है।",
        "政府は新しい法律を発表した。",
        "هل هذا صحيح؟",
        "Er sagte: „Das ist falsch.“",
        "彼は「本当だ。」",
    ]:
        assert classify_line(line, is_first=False) is SegmentKind.SENTENCE, line
    assert classify_line("दिल्ली में बारिश", is_first=True) is SegmentKind.HEADLINE
    # Burmese and Khmer full stops end sentences too.
    assert classify_line("အစိုးရက ဥပဒေသစ်ကို ကြေညာခဲ့သည်။", is_first=False) is SegmentKind.SENTENCE
    assert classify_line("រដ្ឋាភិបាលបានប្រកាសច្បាប់ថ្មី។", is_first=False) is SegmentKind.SENTENCE


def test_thai_prose_has_no_stop_and_is_still_prose() -> None:
    # Thai separates sentences with a space and ends none with a mark.
    line = "รัฐบาลประกาศว่าจะปิดโรงเรียนทุกแห่งในเดือนมีนาคม เพื่อป้องกันการระบาดของโรค"
    assert classify_line(line, is_first=True) is SegmentKind.SENTENCE
    pieces = segment(line, "th")
    assert [p.kind for p in pieces] == [SegmentKind.SENTENCE]
    assert pieces[0].text == line
    # A short Thai line is still a headline or a caption.
    assert classify_line("ข่าวด่วน", is_first=True) is SegmentKind.HEADLINE


def test_a_heading_claim_counts_words_in_scripts_without_spaces() -> None:
    # One "word" by spaces, about a dozen by characters: a Chinese headline can state a claim.
    headline = segment("梅拉尼娅毁掉了白宫历史悠久的玫瑰园\n\n她说这是真的。", "zh")[0]
    assert headline.kind is SegmentKind.HEADLINE
    assert is_heading_claim(headline)
    assert not is_heading_claim(segment("突发新闻\n\n她说这是真的。", "zh")[0])


def test_a_dateline_stays_with_its_sentence() -> None:
    text = "Москва. 15 февраля. Президент России назвал события геноцидом. Это ложь."
    assert _sentences(text, "ru") == [
        "Москва. 15 февраля. Президент России назвал события геноцидом.",
        "Это ложь.",
    ]


def test_non_english_offsets_index_the_original_text() -> None:
    text = "कोरोना वायरस\r\n\r\nयह एक वाक्य है। यह दूसरा है।\nदिल्ली, 5 मई। सरकार ने कहा।"
    segments = segment(text)
    assert segments[0].kind is SegmentKind.HEADLINE
    assert all(text[s.start : s.end] == s.text for s in segments)
    assert "".join(_sentences(text)).count("।") == 4


def test_english_detected_or_given_splits_as_before() -> None:
    text = "The vote is at 3 p.m. E.T. on Monday, Mr. Jones said. U.S. officials agreed."
    assert (
        _sentences(text)
        == _sentences(text, "en")
        == [
            "The vote is at 3 p.m. E.T. on Monday, Mr. Jones said.",
            "U.S. officials agreed.",
        ]
    )


def test_a_long_line_without_stops_is_prose_read_in_pieces() -> None:
    # An automatic transcript: no sentence ends, one line. It used to be a "caption".
    talk = " ".join(f"and the minister said item {i} would go ahead" for i in range(40))
    line = talk + ", which nobody believed"
    text = "Morning show transcript\n" + line
    segments = segment(text)
    assert segments[0].kind is SegmentKind.HEADLINE
    pieces = [s for s in segments[1:] if s.kind is SegmentKind.SENTENCE]
    assert len(pieces) == len(segments) - 1 > 1
    for piece in pieces:
        assert text[piece.start : piece.end] == piece.text
        assert len(piece.text.split()) <= PIECE_WORDS
    # Nothing is lost between pieces: they cover the line word for word.
    assert " ".join(p.text for p in pieces).split() == line.split()
    # A long line of links, numbers or handles is not talk.
    for junk in ("https://example.com/{}", "{}", "#tag{} @user{}"):
        listing = " ".join(junk.format(i, i) for i in range(100))
        assert classify_line(listing, is_first=False) is SegmentKind.CAPTION
    # A short heading without a stop stays a heading.
    assert classify_line("Starmer heads to Paris for talks", is_first=False) is not (
        SegmentKind.SENTENCE
    )


def test_a_long_sentence_is_cut_after_a_clause_mark() -> None:
    clause = "the council says the bridge is safe, "
    sentence = clause * 30  # 210 words, a comma every seven
    spans = split_long(sentence, offset=10)
    assert all(sentence[a - 10 : b - 10].endswith(",") for a, b in spans[:-1])
    assert all(len(sentence[a - 10 : b - 10].split()) <= PIECE_WORDS for a, b in spans)
    # Sentences up to the limit are read whole, whatever their length in characters.
    whole = " ".join(["word"] * LONG_SENTENCE_WORDS)
    assert split_long(whole) == [(0, len(whole))]
