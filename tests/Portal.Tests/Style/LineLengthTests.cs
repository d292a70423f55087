using System.Text.RegularExpressions;

namespace Portal.Tests.Style;

/// <summary>
/// The line length that .editorconfig documents (max_line_length), held for every hand-written .cs and .razor file under src/ and tests/.
/// The build does not check it, so this test does; generated code (bin/, obj/) and EF migrations are left out.
/// </summary>
public sealed partial class LineLengthTests
{
    private static readonly string[] SkippedFolders = ["bin", "obj", "Migrations"];

    [Fact]
    public void No_line_in_a_cs_or_razor_file_is_longer_than_the_editorconfig_max_line_length()
    {
        var root = FindRepoRoot();
        var max = MaxLineLength(root);
        var tooLong = new List<string>();
        foreach (var file in new[] { "src", "tests" }.SelectMany(folder => SourceFiles(Path.Combine(root, folder))).Order(StringComparer.Ordinal))
        {
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
                if (lines[i].Length > max)
                    tooLong.Add($"{Path.GetRelativePath(root, file).Replace('\\', '/')}:{i + 1} ({lines[i].Length} chars)");
        }

        Assert.True(tooLong.Count == 0, $"{tooLong.Count} lines are longer than {max} characters:\n{string.Join('\n', tooLong)}");
    }

    private static IEnumerable<string> SourceFiles(string folder) =>
        Directory.EnumerateFiles(folder)
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".razor", StringComparison.Ordinal))
            .Concat(Directory.EnumerateDirectories(folder)
                .Where(d => !SkippedFolders.Contains(Path.GetFileName(d)))
                .SelectMany(SourceFiles));

    // Read from .editorconfig, so that the documented number and the enforced one cannot drift apart.
    private static int MaxLineLength(string root)
    {
        var match = MaxLineLengthSetting().Match(File.ReadAllText(Path.Combine(root, ".editorconfig")));
        Assert.True(match.Success, ".editorconfig sets no max_line_length");
        return int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Portal.sln"))) return dir.FullName;
        throw new InvalidOperationException("Portal.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"^\s*max_line_length\s*=\s*(\d+)", RegexOptions.Multiline)]
    private static partial Regex MaxLineLengthSetting();
}
