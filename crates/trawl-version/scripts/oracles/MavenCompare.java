// Differential-test oracle: reads "A<TAB>B" lines from the file named by the first argument and prints one of
// "<", "=", ">" per line, as Maven's ComparableVersion orders A and B. Run with Debian's maven-artifact jar:
//   java -cp /usr/share/maven/lib/maven-artifact-3.x.jar MavenCompare.java pairs.tsv
import java.io.BufferedReader;
import java.io.FileReader;
import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import org.apache.maven.artifact.versioning.ComparableVersion;

public class MavenCompare {
    public static void main(String[] args) throws Exception {
        BufferedWriter out = new BufferedWriter(new OutputStreamWriter(System.out, "UTF-8"));
        try (BufferedReader in = new BufferedReader(new FileReader(args[0], java.nio.charset.StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                int tab = line.indexOf('\t');
                int c = new ComparableVersion(line.substring(0, tab)).compareTo(new ComparableVersion(line.substring(tab + 1)));
                out.write(c < 0 ? "<" : c > 0 ? ">" : "=");
                out.write('\n');
            }
        }
        out.flush();
    }
}
