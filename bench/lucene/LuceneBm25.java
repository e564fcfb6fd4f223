/*
 * The Lucene peer of s3lab's BM25: indexes a corpus JSONL the way Pyserini does (the raw
 * `contents` string as one field, analyzed by Anserini's DefaultEnglishAnalyzer chain,
 * BM25Similarity(k1 = 0.9, b = 0.4)) and answers a file of queries, so tests and benchmarks can
 * compare rankings, scores, build time and throughput with s3lab on the same machine.
 *
 * Needs only the Debian jars (liblucene8-java): lucene-core, lucene-analyzers-common,
 * lucene-queryparser. No JSON library: the tiny reader below understands the JSONL that
 * s3lab and wiki-18 write (objects of strings and numbers, one per line).
 *
 * Usage (s3lab compiles it with javac; see bench/lucene/harness.ts):
 *   java -cp CP LuceneBm25 analyze CORPUS.jsonl OUT.jsonl
 *       one line {"id", "terms": [...]} per passage: the analyzed terms, in order
 *   java -cp CP LuceneBm25 run CORPUS.jsonl QUERIES.jsonl OUT.jsonl K THREADS MODE [INDEX_DIR]
 *       builds an index (in INDEX_DIR, or a temporary directory removed afterwards), searches every
 *       query ({"query": "..."} per line) single-threaded and then with THREADS threads, writes one line
 *       {"hits": [[id, score], ...]} per query, and prints one JSON line of timings to stdout.
 *       MODE is "bow" (Pyserini's BagOfWordsQueryGenerator: every analyzed token a SHOULD clause)
 *       or "classic" (Lucene's classic QueryParser, default operator OR).
 */

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.StopFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.en.EnglishPossessiveFilter;
import org.apache.lucene.analysis.en.PorterStemFilter;
import org.apache.lucene.analysis.standard.StandardTokenizer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexOptions;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LogByteSizeMergePolicy;
import org.apache.lucene.index.Term;
import org.apache.lucene.queryparser.classic.QueryParser;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.MatchNoDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.FSDirectory;

public class LuceneBm25 {
  static final String CONTENTS = "contents";
  static final String ID = "id";

  /** Anserini's DefaultEnglishAnalyzer.newDefaultInstance(), link for link. */
  static final class PyseriniEnglishAnalyzer extends Analyzer {
    @Override
    protected TokenStreamComponents createComponents(String fieldName) {
      Tokenizer source = new StandardTokenizer();
      TokenStream result = new EnglishPossessiveFilter(source);
      result = new LowerCaseFilter(result);
      result = new StopFilter(result, EnglishAnalyzer.ENGLISH_STOP_WORDS_SET);
      result = new PorterStemFilter(result);
      return new TokenStreamComponents(source, result);
    }

    @Override
    protected TokenStream normalize(String fieldName, TokenStream in) {
      return new LowerCaseFilter(in);
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length >= 3 && args[0].equals("analyze")) {
      analyze(Paths.get(args[1]), Paths.get(args[2]));
    } else if (args.length >= 7 && args[0].equals("run")) {
      run(Paths.get(args[1]), Paths.get(args[2]), Paths.get(args[3]), Integer.parseInt(args[4]), Integer.parseInt(args[5]), args[6],
          args.length > 7 ? Paths.get(args[7]) : null);
    } else {
      System.err.println("usage: LuceneBm25 analyze CORPUS OUT | run CORPUS QUERIES OUT K THREADS bow|classic [INDEX_DIR]");
      System.exit(2);
    }
  }

  static void analyze(Path corpus, Path out) throws IOException {
    Analyzer analyzer = new PyseriniEnglishAnalyzer();
    try (BufferedReader in = reader(corpus); BufferedWriter w = writer(out)) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (line.isBlank()) continue;
        MiniJson record = new MiniJson(line);
        StringBuilder json = new StringBuilder("{\"id\":").append(quote(record.get(ID))).append(",\"terms\":[");
        List<String> terms = terms(analyzer, record.get(CONTENTS));
        for (int i = 0; i < terms.size(); i++) json.append(i == 0 ? "" : ",").append(quote(terms.get(i)));
        w.write(json.append("]}\n").toString());
      }
    }
  }

  static List<String> terms(Analyzer analyzer, String text) throws IOException {
    List<String> terms = new ArrayList<>();
    try (TokenStream stream = analyzer.tokenStream(CONTENTS, text)) {
      CharTermAttribute term = stream.addAttribute(CharTermAttribute.class);
      stream.reset();
      while (stream.incrementToken()) terms.add(term.toString());
      stream.end();
    }
    return terms;
  }

  static void run(Path corpus, Path queriesPath, Path out, int k, int threads, String mode, Path indexDir) throws Exception {
    boolean temporary = indexDir == null;
    if (temporary) indexDir = Files.createTempDirectory("lucene-bm25-");
    Analyzer analyzer = new PyseriniEnglishAnalyzer();
    BM25Similarity similarity = new BM25Similarity(0.9f, 0.4f);

    long buildStart = System.nanoTime();
    long docs = buildIndex(corpus, indexDir, analyzer, similarity, threads);
    double buildSeconds = (System.nanoTime() - buildStart) / 1e9;
    long indexBytes;
    try (Stream<Path> files = Files.list(indexDir)) {
      indexBytes = files.mapToLong(p -> p.toFile().length()).sum();
    }

    List<String> queryTexts = new ArrayList<>();
    try (BufferedReader in = reader(queriesPath)) {
      for (String line = in.readLine(); line != null; line = in.readLine()) if (!line.isBlank()) queryTexts.add(new MiniJson(line).get("query"));
    }

    long openStart = System.nanoTime();
    DirectoryReader reader = DirectoryReader.open(FSDirectory.open(indexDir));
    IndexSearcher searcher = new IndexSearcher(reader);
    searcher.setSimilarity(similarity);
    double openSeconds = (System.nanoTime() - openStart) / 1e9;

    // Queries are analyzed and built once, outside the timed loops (s3lab's timings include parsing:
    // a small handicap for s3lab).
    Query[] queries = new Query[queryTexts.size()];
    for (int i = 0; i < queries.length; i++) queries[i] = buildQuery(queryTexts.get(i), analyzer, mode);

    // Warm the JIT with one full pass over the same queries, as s3lab's benchmark warms V8.
    for (Query query : queries) searcher.search(query, k);

    long singleStart = System.nanoTime();
    TopDocs[] results = new TopDocs[queries.length];
    for (int i = 0; i < queries.length; i++) results[i] = searcher.search(queries[i], k);
    double singleSeconds = (System.nanoTime() - singleStart) / 1e9;

    ExecutorService pool = Executors.newFixedThreadPool(threads);
    long batchStart = System.nanoTime();
    List<Future<TopDocs>> futures = new ArrayList<>();
    for (Query query : queries) futures.add(pool.submit(() -> searcher.search(query, k)));
    for (Future<TopDocs> f : futures) f.get();
    double batchSeconds = (System.nanoTime() - batchStart) / 1e9;
    pool.shutdown();

    try (BufferedWriter w = writer(out)) {
      for (TopDocs top : results) {
        StringBuilder line = new StringBuilder("{\"hits\":[");
        for (int i = 0; i < top.scoreDocs.length; i++) {
          ScoreDoc hit = top.scoreDocs[i];
          String id = searcher.doc(hit.doc).get(ID);
          line.append(i == 0 ? "" : ",").append('[').append(quote(id)).append(',').append(Float.toString(hit.score)).append(']');
        }
        w.write(line.append("]}\n").toString());
      }
    }
    reader.close();
    if (temporary) deleteTree(indexDir);

    System.out.println("{\"docs\":" + docs + ",\"buildSeconds\":" + buildSeconds + ",\"indexBytes\":" + indexBytes + ",\"openSeconds\":" + openSeconds
        + ",\"queries\":" + queries.length + ",\"singleSeconds\":" + singleSeconds + ",\"batchSeconds\":" + batchSeconds + ",\"threads\":" + threads
        + ",\"peakRssBytes\":" + peakRssBytes() + "}");
  }

  /**
   * One segment in corpus order: a log merge policy merges only adjacent segments, and the final
   * forceMerge(1) makes Lucene's doc ids the corpus line numbers, so ties (lower doc id first) break
   * the way s3lab breaks them.
   */
  static long buildIndex(Path corpus, Path dir, Analyzer analyzer, BM25Similarity similarity, int threads) throws Exception {
    IndexWriterConfig config = new IndexWriterConfig(analyzer).setSimilarity(similarity).setRAMBufferSizeMB(512)
        .setMergePolicy(new LogByteSizeMergePolicy()).setOpenMode(IndexWriterConfig.OpenMode.CREATE);
    FieldType contentsType = new FieldType();
    contentsType.setIndexOptions(IndexOptions.DOCS_AND_FREQS);
    contentsType.setTokenized(true);
    contentsType.setStored(true);
    contentsType.freeze();
    long docs = 0;
    try (IndexWriter writer = new IndexWriter(FSDirectory.open(dir), config); BufferedReader in = reader(corpus)) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (line.isBlank()) continue;
        MiniJson record = new MiniJson(line);
        Document doc = new Document();
        doc.add(new StringField(ID, record.get(ID), Field.Store.YES));
        doc.add(new Field(CONTENTS, record.get(CONTENTS), contentsType));
        writer.addDocument(doc);
        docs++;
      }
      writer.forceMerge(1);
    }
    return docs;
  }

  static Query buildQuery(String text, Analyzer analyzer, String mode) throws Exception {
    if (mode.equals("classic")) {
      QueryParser parser = new QueryParser(CONTENTS, analyzer);
      Query q = parser.parse(text);
      return q == null ? new MatchNoDocsQuery() : q;
    }
    BooleanQuery.Builder builder = new BooleanQuery.Builder();
    for (String t : terms(analyzer, text)) builder.add(new TermQuery(new Term(CONTENTS, t)), BooleanClause.Occur.SHOULD);
    return builder.build();
  }

  /** VmHWM of /proc/self/status: the most resident memory this JVM held (0 where there is no /proc). */
  static long peakRssBytes() {
    try {
      for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    } catch (IOException e) {
      // not Linux: report 0
    }
    return 0;
  }

  static BufferedReader reader(Path p) throws IOException {
    return new BufferedReader(new InputStreamReader(Files.newInputStream(p), StandardCharsets.UTF_8), 1 << 20);
  }

  static BufferedWriter writer(Path p) throws IOException {
    return new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(p), StandardCharsets.UTF_8), 1 << 20);
  }

  static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  static String quote(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"': b.append("\\\""); break;
        case '\\': b.append("\\\\"); break;
        case '\n': b.append("\\n"); break;
        case '\r': b.append("\\r"); break;
        case '\t': b.append("\\t"); break;
        default:
          if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
          else b.append(c);
      }
    }
    return b.append('"').toString();
  }

  /** A flat JSON object of string and number values, enough for corpus and query lines. */
  static final class MiniJson {
    private final java.util.Map<String, String> fields = new java.util.HashMap<>();
    private final String s;
    private int i;

    MiniJson(String line) {
      s = line;
      skip();
      expect('{');
      skip();
      if (peek() == '}') return;
      while (true) {
        skip();
        String key = string();
        skip();
        expect(':');
        skip();
        fields.put(key, value());
        skip();
        if (peek() == ',') { i++; continue; }
        expect('}');
        return;
      }
    }

    String get(String key) {
      String v = fields.get(key);
      if (v == null) throw new IllegalArgumentException("missing field \"" + key + "\" in: " + s);
      return v;
    }

    private String value() {
      char c = peek();
      if (c == '"') return string();
      if (c == '[' || c == '{') { skipNested(); return ""; }
      int start = i;
      while (i < s.length() && ",}] \t".indexOf(s.charAt(i)) < 0) i++;
      return s.substring(start, i);
    }

    private void skipNested() {
      int depth = 0;
      do {
        char c = s.charAt(i);
        if (c == '"') { string(); continue; }
        if (c == '[' || c == '{') depth++;
        if (c == ']' || c == '}') depth--;
        i++;
      } while (depth > 0);
    }

    private String string() {
      expect('"');
      StringBuilder b = new StringBuilder();
      while (true) {
        char c = s.charAt(i++);
        if (c == '"') return b.toString();
        if (c != '\\') { b.append(c); continue; }
        char e = s.charAt(i++);
        switch (e) {
          case 'n': b.append('\n'); break;
          case 't': b.append('\t'); break;
          case 'r': b.append('\r'); break;
          case 'b': b.append('\b'); break;
          case 'f': b.append('\f'); break;
          case 'u': b.append((char) Integer.parseInt(s.substring(i, i + 4), 16)); i += 4; break;
          default: b.append(e);
        }
      }
    }

    private char peek() { return s.charAt(i); }
    private void skip() { while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++; }
    private void expect(char c) {
      if (s.charAt(i) != c) throw new IllegalArgumentException("expected '" + c + "' at " + i + " in: " + s);
      i++;
    }
  }
}
