/**
 * Word tokens as Lucene's StandardTokenizer finds them (the tokenizer under Pyserini's English
 * analyzer): the Unicode word-break rules of UAX#29, written as Lucene's JFlex grammar writes
 * them, keeping only segments that hold a letter, digit, ideograph, kana, South-East-Asian
 * letter or emoji. So "1,000", "3.14", "U.S.A", "o'neil" and "snake_case" are one token each,
 * "state-of-the-art" is four, and a lone "_" or "—" is none.
 *
 * Why a regular expression and not `Intl.Segmenter` (ICU): ICU tailors UAX#29 (it drops the colon
 * from MidLetter, so Lucene's one token "a:b" is two for ICU) and splits Chinese, Japanese and
 * Thai with dictionaries, where Lucene emits one token per ideograph and one per run of Thai.
 * The grammar below follows Lucene's rules instead, and V8 compiles it to a fast matcher.
 * Unicode properties come from V8's Unicode version (newer than Lucene 8's), which only matters
 * for characters assigned since.
 *
 * @example
 * ```ts
 * standardTokenize("The U.S.A's 1,000 o'clock state-of-the-art"); // ['The', "U.S.A's", '1,000', "o'clock", 'state', 'of', 'the', 'art']
 * ```
 */

/** Lucene's StandardAnalyzer.DEFAULT_MAX_TOKEN_LENGTH: longer tokens are cut into pieces this long. */
export const MAX_TOKEN_LENGTH = 255;

// Word_Break property classes of UAX#29 (Table 3), in `v`-flag class syntax.
const EXTEND = String.raw`[\p{Grapheme_Extend}\p{General_Category=Mc}\p{Emoji_Modifier}]`;
const FORMAT = String.raw`[[\p{General_Category=Cf}]--[\u200B\u200C\u200D]]`;
const ZWJ = String.raw`\u200D`;
/** Characters that WB4 attaches to whatever precedes them. */
const TAIL = `[${EXTEND}${FORMAT}${ZWJ}]*`;
const KATAKANA = String.raw`[\p{Script=Katakana}\u3031-\u3035\u309B\u309C\u30A0\u30FC\uFF70]`;
/** Line_Break=Complex_Context: scripts written without spaces that Lucene keeps as one token per run. */
const SOUTH_EAST_ASIAN = String.raw`[\p{Script=Thai}\p{Script=Lao}\p{Script=Myanmar}\p{Script=Khmer}\p{Script=Tai_Le}\p{Script=New_Tai_Lue}\p{Script=Tai_Tham}\p{Script=Tai_Viet}\p{Script=Ahom}]`;
const HAN = String.raw`[\p{Script=Han}]`;
const HIRAGANA = String.raw`[\p{Script=Hiragana}]`;
const LETTER = String.raw`[[\p{Alphabetic}\u02C2-\u02C5\u02D2-\u02D7\u02DE\u02DF\u02E5-\u02EB\u02ED\u02EF-\u02FF\u055A-\u055C\u055E\u058A\u05F3\uA708-\uA716\uA720\uA721\uA789\uA78A\uAB5B]--[\p{Ideographic}\p{Script=Katakana}\p{Script=Hiragana}${SOUTH_EAST_ASIAN}${EXTEND}]]`;
const NUMERIC = String.raw`[[\p{General_Category=Nd}]--[\uFF10-\uFF19]]`;
const EXTEND_NUM_LET = String.raw`[\p{General_Category=Pc}\u202F]`;
/** MidLetter, MidNumLet and Single_Quote: what may join two letters. */
const MID_LETTER = String.raw`[:\u00B7\u0387\u05F4\u2027\uFE13\uFE55\uFF1A.\u2018\u2019\u2024\uFE52\uFF07\uFF0E']`;
/** MidNum, MidNumLet and Single_Quote: what may join two digits. */
const MID_NUMBER = String.raw`[,;\u037E\u0589\u060C\u060D\u066C\u07F8\u2044\uFE10\uFE14\uFE50\uFE54\uFF0C\uFF1B.\u2018\u2019\u2024\uFE52\uFF07\uFF0E']`;
const EMOJI = String.raw`[\p{Extended_Pictographic}\p{Emoji_Presentation}]`;

const ex = (cls: string): string => `(?:${cls}${TAIL})`;
/** WB7b/c: a double quote between two Hebrew letters (צה"ל) joins them. */
const HEBREW_QUOTE = String.raw`(?<=\p{Script=Hebrew}\p{M}*)"(?=\p{Script=Hebrew})`;
const LETTERS = `${ex(LETTER)}(?:(?:${ex(EXTEND_NUM_LET)}*|${ex(MID_LETTER)}|${HEBREW_QUOTE})${ex(LETTER)})*`;
const DIGITS = `${ex(NUMERIC)}(?:(?:${ex(EXTEND_NUM_LET)}*|${ex(MID_NUMBER)})${ex(NUMERIC)})*`;
const KANA = `${ex(KATAKANA)}(?:${ex(EXTEND_NUM_LET)}*${ex(KATAKANA)})*`;
const CORE = `(?:${KANA}|(?:${LETTERS}|${DIGITS})+)`;
/** Lucene's WORD_TYPE and NUMERIC_TYPE rules: cores joined by ExtendNumLet, with ExtendNumLet at either end. */
const WORD = `${ex(EXTEND_NUM_LET)}*${CORE}(?:${ex(EXTEND_NUM_LET)}+${CORE})*${ex(EXTEND_NUM_LET)}*`;
const REGIONAL_PAIR = String.raw`\p{Regional_Indicator}{2}`;
/** An emoji with its modifiers and selectors; ZWJ sequences (👨‍👩‍👧) stay one token. */
const EMOJI_UNIT = `${EMOJI}[${EXTEND}${FORMAT}]*`;
const EMOJI_SEQUENCE = `(?:${REGIONAL_PAIR}|${EMOJI_UNIT}(?:${ZWJ}${EMOJI_UNIT})*)`;
const KEYCAP = String.raw`[0-9#*]\uFE0F?\u20E3`;

const TOKEN = new RegExp(
  `${KEYCAP}|${WORD}|${ex(SOUTH_EAST_ASIAN)}+|${ex(HAN)}|${ex(HIRAGANA)}|${EMOJI_SEQUENCE}`,
  'gv',
);

// Plain ASCII (nearly all of an English corpus) takes a smaller expression with the same meaning.
const ASCII_LETTERS = "[A-Za-z]+(?:(?:_*|[:.'])[A-Za-z]+)*";
const ASCII_DIGITS = "[0-9]+(?:(?:_*|[.,;'])[0-9]+)*";
const ASCII_CORE = `(?:${ASCII_LETTERS}|${ASCII_DIGITS})+`;
const ASCII_TOKEN = new RegExp(`_*${ASCII_CORE}(?:_+${ASCII_CORE})*_*`, 'g');
// eslint-disable-next-line no-control-regex
const ASCII_ONLY = /^[\x00-\x7F]*$/;

/** The tokens of `text`, case kept, in order. */
export function standardTokenize(text: string): string[] {
  const matches = text.match(ASCII_ONLY.test(text) ? ASCII_TOKEN : TOKEN);
  if (matches === null) return [];
  // Lucene's scanner buffer holds MAX_TOKEN_LENGTH chars: a longer match comes out in pieces.
  if (!matches.some((token) => token.length > MAX_TOKEN_LENGTH)) return matches;
  return matches.flatMap((token) => {
    const pieces: string[] = [];
    for (let at = 0; at < token.length; at += MAX_TOKEN_LENGTH) pieces.push(token.slice(at, at + MAX_TOKEN_LENGTH));
    return pieces;
  });
}
