using DiMaskDino.Hosting;
using System.CommandLine;
using System.Globalization;
using DiMaskDino.Training.Synthetic;

namespace DiMaskDino.Training.Commands;

/// <summary><c>dimaskdino-train synth --out DIR --count N --seed S [--size 256] [--split F] [--threads T] [--overwrite]</c></summary>
internal static class SynthCommand
{
    public static Command Create()
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder to write: annotations.json + images/ (or train/ and val/ with --split).", Required = true };
        var count = new Option<int>("--count") { Description = "Number of images.", Required = true };
        var seed = new Option<ulong>("--seed") { Description = "Random seed (0 to 2^64-1); the same seed gives byte-identical files.", Required = true };
        var size = new Option<int>("--size") { Description = "Image side in pixels.", DefaultValueFactory = _ => 256 };
        var split = new Option<double?>("--split") { Description = "Fraction of images (the last ones) for val/; the rest go to train/." };
        var threads = new Option<int>("--threads") { Description = "Worker threads (default: all cores).", DefaultValueFactory = _ => -1 };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace a dataset written before in --out (annotations.json, images/, train/, val/)." };

        var command = new Command("synth", "Write a deterministic synthetic instance-segmentation dataset (6 shape classes) in COCO format.")
        {
            output, count, seed, size, split, threads, overwrite,
        };
        command.SetAction((parse, cancellationToken) => CommandErrors.RunAsync(
            ct => Task.FromResult(Run(
                parse.GetValue(output)!, parse.GetValue(count), parse.GetValue(seed), parse.GetValue(size), parse.GetValue(split),
                parse.GetValue(threads), parse.GetValue(overwrite), ct)),
            cancellationToken));
        return command;
    }

    private static int Run(DirectoryInfo outputFolder, int count, ulong seed, int size, double? split, int threads, bool overwrite, CancellationToken cancellationToken)
    {
        if (count < 1)
        {
            throw new CliInputException($"--count must be at least 1, got {count}");
        }

        if (size is < SyntheticDatasetOptions.MinSize or > SyntheticDatasetOptions.MaxSize)
        {
            throw new CliInputException($"--size must be between {SyntheticDatasetOptions.MinSize} and {SyntheticDatasetOptions.MaxSize}, got {size}");
        }

        if (split is { } f && !(f > 0 && f < 1))
        {
            throw new CliInputException($"--split must be a fraction between 0 and 1 (exclusive), got {f.ToString(CultureInfo.InvariantCulture)}");
        }

        if (split is not null && count < 2)
        {
            throw new CliInputException($"--split needs --count of at least 2, got {count}");
        }

        if (threads == 0 || threads < -1)
        {
            throw new CliInputException($"--threads must be a positive number (or -1 for all cores), got {threads}");
        }

        PrepareOutput(outputFolder, overwrite);
        var options = new SyntheticDatasetOptions { Count = count, Seed = seed, Size = size, ValidationFraction = split, MaxDegreeOfParallelism = threads };
        var summary = SyntheticDatasetWriter.Write(options, outputFolder.FullName, cancellationToken);
        foreach (var subset in summary.Subsets)
        {
            Console.Out.WriteLine($"{subset.Folder}: {subset.Images:N0} images, {subset.Annotations:N0} annotations");
        }

        var rate = summary.Images / Math.Max(summary.Elapsed.TotalSeconds, 1e-9);
        Console.Error.WriteLine(
            $"generated {summary.Images:N0} images of {size}x{size} in {summary.Elapsed.TotalSeconds:F2} s ({rate:F0} images/s); " +
            $"{summary.DroppedObjects:N0} objects dropped as nearly hidden (< 16 visible px)");
        return CommandErrors.Success;
    }

    /// <summary>Refuses a folder with other content, so a smaller run never leaves stale images behind.</summary>
    private static void PrepareOutput(DirectoryInfo folder, bool overwrite)
    {
        if (File.Exists(folder.FullName))
        {
            throw new CliInputException($"--out: {folder.FullName} is a file, not a folder");
        }

        if (!folder.Exists || !folder.EnumerateFileSystemInfos().Any())
        {
            return;
        }

        string[] ours = ["annotations.json", "images", "train", "val"];
        var others = folder.EnumerateFileSystemInfos().Select(e => e.Name).Where(n => !ours.Contains(n)).Order(StringComparer.Ordinal).ToList();
        if (!overwrite || others.Count > 0)
        {
            var why = others.Count > 0 ? $"it holds other files ({string.Join(", ", others.Take(3))})" : "use --overwrite to replace the dataset in it";
            throw new CliInputException($"--out: folder is not empty: {folder.FullName}; {why}");
        }

        foreach (var name in ours)
        {
            var path = Path.Combine(folder.FullName, name);
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
            else if (File.Exists(path))
            {
                File.Delete(path);
            }
        }
    }
}
