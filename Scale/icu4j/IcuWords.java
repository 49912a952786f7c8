import com.ibm.icu.text.BreakIterator;
import com.ibm.icu.util.ULocale;
import com.ibm.icu.util.VersionInfo;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * Segments each line of standard input with ICU4J's dictionary word break iterator, as Lucene's ICUTokenizer does
 * for Han text (DefaultICUTokenizerConfig, cjkAsWords = true: BreakIterator.getWordInstance(ULocale.ROOT)), and
 * prints its words (rule status >= 100, what ICUTokenizer keeps) separated by two spaces, one line per input line.
 * The first output line is "# ICU4J <version>".
 */
public final class IcuWords {
    public static void main(String[] args) throws Exception {
        BreakIterator words = BreakIterator.getWordInstance(ULocale.ROOT);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
        out.println("# ICU4J " + VersionInfo.ICU_VERSION);
        String line;
        while ((line = in.readLine()) != null) {
            words.setText(line);
            StringBuilder b = new StringBuilder();
            int start = words.first();
            for (int end = words.next(); end != BreakIterator.DONE; start = end, end = words.next()) {
                if (words.getRuleStatus() < 100) continue;
                if (b.length() > 0) b.append("  ");
                b.append(line, start, end);
            }
            out.println(b);
        }
        out.flush();
    }
}
