// Differential-test oracle for ranges: reads "RANGE<TAB>VERSION" lines from the file named by the first argument
// and prints "y"/"n" per line as Maven's VersionRange.containsVersion decides, or "!" for an invalid range.
//   java -cp /usr/share/maven/lib/maven-artifact-3.x.jar:/usr/share/java/commons-lang3.jar MavenRange.java pairs.tsv
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.FileReader;
import java.io.OutputStreamWriter;
import org.apache.maven.artifact.versioning.DefaultArtifactVersion;
import org.apache.maven.artifact.versioning.InvalidVersionSpecificationException;
import org.apache.maven.artifact.versioning.VersionRange;

public class MavenRange {
    public static void main(String[] args) throws Exception {
        BufferedWriter out = new BufferedWriter(new OutputStreamWriter(System.out, "UTF-8"));
        try (BufferedReader in = new BufferedReader(new FileReader(args[0], java.nio.charset.StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                int tab = line.indexOf('\t');
                String verdict;
                try {
                    VersionRange r = VersionRange.createFromVersionSpec(line.substring(0, tab));
                    verdict = r.containsVersion(new DefaultArtifactVersion(line.substring(tab + 1))) ? "y" : "n";
                } catch (InvalidVersionSpecificationException e) {
                    verdict = "!";
                }
                out.write(verdict);
                out.write('\n');
            }
        }
        out.flush();
    }
}
