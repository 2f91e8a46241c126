using DiMaskDino.Hosting;

namespace DiMaskDino.Cli.Predict;

/// <summary>The images a <c>predict</c> run labels: the IMAGE arguments with directories expanded.</summary>
internal static class ImageFiles
{
    /// <summary>File extensions taken from directories (case-insensitive); files named explicitly are taken whatever their extension.</summary>
    public static IReadOnlySet<string> Extensions { get; } = new HashSet<string>(
        [".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".tga", ".pbm"], StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Each argument in order: a file as is; a directory as its image files, recursively, in ordinal order of their
    /// paths. A file reached twice is kept once, where it first appears.
    /// </summary>
    /// <exception cref="CliInputException">An argument does not exist, or no image is found at all.</exception>
    public static IReadOnlyList<string> Expand(IEnumerable<string> arguments)
    {
        var files = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var argument in arguments)
        {
            if (File.Exists(argument))
            {
                Add(argument);
            }
            else if (Directory.Exists(argument))
            {
                var found = Directory.EnumerateFiles(argument, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = false })
                    .Where(f => Extensions.Contains(Path.GetExtension(f)))
                    .Order(StringComparer.Ordinal);
                foreach (var file in found)
                {
                    Add(file);
                }
            }
            else
            {
                throw new CliInputException($"IMAGE: no such file or directory: {argument}");
            }
        }

        return files.Count > 0
            ? files
            : throw new CliInputException($"IMAGE: no images found (directories are searched for {string.Join(" ", Extensions.Order())})");

        void Add(string file)
        {
            if (seen.Add(Path.GetFullPath(file)))
            {
                files.Add(file);
            }
        }
    }
}
