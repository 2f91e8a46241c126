using System.Security.Cryptography;
using DiMaskDino.TestSupport;

namespace DiMaskDino.Coco.Tests;

/// <summary>
/// tests/golden/coco is the reference, copied verbatim from shared/golden/coco (tests/golden/README.md): every file is
/// what tests/golden/coco.sha256 says, none is missing or added, and where the shared folder is beside the
/// repository the copy is identical to it.
/// </summary>
public sealed class GoldenCopyTests
{
    private static readonly string Manifest = Path.Combine(SharedFiles.RepositoryRoot, "tests", "golden", "coco.sha256");

    [Fact]
    public void Every_golden_file_matches_its_recorded_checksum_and_none_is_missing_or_added()
    {
        var expected = File.ReadAllLines(Manifest)
            .Select(line => line.Split("  ./", 2))
            .ToDictionary(parts => parts[1], parts => parts[0], StringComparer.Ordinal);
        Assert.True(expected.Count >= 40, $"{Manifest} lists {expected.Count} files");

        var actual = Checksums(SharedFiles.CocoGoldenDirectory);

        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        Assert.All(expected, pair => Assert.True(pair.Value == actual[pair.Key], $"tests/golden/coco/{pair.Key} was changed: golden files are never edited"));
    }

    [SkippableFact]
    public void The_copy_is_identical_to_shared_golden_coco_where_that_folder_is_present()
    {
        var shared = SharedFiles.SharedCocoGoldenDirectory;
        Skip.If(shared is null, "shared/golden/coco is not beside the repository (a fresh clone): the checksum test covers the copy");

        Assert.Equal(Checksums(shared), Checksums(SharedFiles.CocoGoldenDirectory));
    }

    private static SortedDictionary<string, string> Checksums(string root)
    {
        var sums = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            using var stream = File.OpenRead(file);
            sums[Path.GetRelativePath(root, file).Replace('\\', '/')] = Convert.ToHexStringLower(SHA256.HashData(stream));
        }

        return sums;
    }
}
