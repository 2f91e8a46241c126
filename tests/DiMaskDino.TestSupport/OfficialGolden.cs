// The references recorded from the official DI-MaskDINO implementation (../shared/golden/official, read in place).
// Tests that need them call Require(): skipped with the reason where the folder is absent, a failure under CI.

using System.Text.Json;
using Xunit;

namespace DiMaskDino.TestSupport;

/// <summary>One recorded image of a golden set (config.json → cases[]).</summary>
public sealed record OfficialCase(
    string Directory, string Image, string Resized, string Preprocessed, string Stages, string Instances,
    int Height, int Width, int ResizedHeight, int ResizedWidth, int PaddedHeight, int PaddedWidth);

public static class OfficialGolden
{
    private static readonly Lazy<string?> Root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "golden", "official");
            if (File.Exists(Path.Combine(candidate, "r50-small", "config.json")))
            {
                return Path.GetFullPath(candidate);
            }
        }

        return null;
    });

    /// <summary>
    /// The <c>shared/golden/official</c> folder. Where it is absent the calling test is skipped with the reason, except
    /// when the <c>CI</c> environment variable is set: there its absence fails the test.
    /// </summary>
    public static string Require()
    {
        if (Root.Value is { } root)
        {
            return root;
        }

        const string Reason = "shared/golden/official (the official DI-MaskDINO references) is not beside the repository";
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")))
        {
            throw new InvalidOperationException(Reason + ", and CI is set: the golden tests must run in CI");
        }

        Skip.If(true, Reason);
        return "";
    }

    /// <summary>A golden set's folder, e.g. <c>r50-small</c>.</summary>
    public static string RequireSet(string name) => Path.Combine(Require(), name);

    /// <summary>The cases listed in a set's config.json.</summary>
    public static IReadOnlyList<OfficialCase> Cases(string set)
    {
        var dir = RequireSet(set);
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dir, "config.json")));
        return [.. doc.RootElement.GetProperty("cases").EnumerateArray().Select(c => new OfficialCase(
            dir,
            Path.Combine(dir, c.GetProperty("image").GetString()!),
            Path.Combine(dir, c.GetProperty("resized").GetString()!),
            Path.Combine(dir, c.GetProperty("preprocessed").GetString()!),
            Path.Combine(dir, c.GetProperty("stages").GetString()!),
            Path.Combine(dir, c.GetProperty("instances").GetString()!),
            c.GetProperty("height").GetInt32(), c.GetProperty("width").GetInt32(),
            c.GetProperty("resized_height").GetInt32(), c.GetProperty("resized_width").GetInt32(),
            c.GetProperty("padded_height").GetInt32(), c.GetProperty("padded_width").GetInt32()))];
    }
}
