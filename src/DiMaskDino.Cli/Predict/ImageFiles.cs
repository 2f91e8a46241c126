using DiMaskDino.Contracts.Images;
using DiMaskDino.Hosting;
using DiMaskDino.Inference.Images;

namespace DiMaskDino.Cli.Predict;

/// <summary>The images a <c>predict</c> run labels: the IMAGE arguments with directories expanded (their files named as images by <see cref="ImageFileNames"/>).</summary>
internal static class ImageFiles
{
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
                    .Where(ImageFileNames.IsImage)
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
            : throw new CliInputException($"IMAGE: no images found (directories are searched for {string.Join(" ", ImageFileNames.Extensions.Order())})");

        void Add(string file)
        {
            if (seen.Add(Path.GetFullPath(file)))
            {
                files.Add(file);
            }
        }
    }
}
