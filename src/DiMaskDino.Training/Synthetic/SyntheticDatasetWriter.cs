// `dimaskdino-train synth`: writes a deterministic synthetic COCO instance-segmentation dataset (PNG images +
// annotations.json with exact compressed-RLE masks), optionally split into train/ and val/ (issue 3, "Data").

using System.Text.Json;
using System.Text.Json.Serialization;
using DiMaskDino.Coco;
using DiMaskDino.Coco.Masks;
using DiMaskDino.Model.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace DiMaskDino.Training.Synthetic;

/// <summary>What to generate.</summary>
public sealed record SyntheticDatasetOptions
{
    /// <summary>Number of images.</summary>
    public required int Count { get; init; }

    /// <summary>Seed; image i is drawn from <c>SplitMix64(Mix(Seed, i))</c>, so it does not depend on the count or the threads.</summary>
    public required ulong Seed { get; init; }

    /// <summary>Side of the square images, pixels.</summary>
    public int Size { get; init; } = 256;

    /// <summary>Fraction of images (the last ones) written to <c>val/</c>; null writes one dataset.</summary>
    public double? ValidationFraction { get; init; }

    /// <summary>Parallel image workers; −1 for all cores.</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;

    public const int MinSize = 32;

    public const int MaxSize = 4096;

    /// <summary>Throws <see cref="ArgumentException"/> naming the bad value.</summary>
    public void Validate()
    {
        if (Count < 1)
        {
            throw new ArgumentException($"the image count must be at least 1, got {Count}");
        }

        if (Size is < MinSize or > MaxSize)
        {
            throw new ArgumentException($"the image size must be between {MinSize} and {MaxSize} pixels, got {Size}");
        }

        if (ValidationFraction is { } f && !(f > 0 && f < 1))
        {
            throw new ArgumentException($"the validation fraction must be between 0 and 1 (exclusive), got {f}");
        }

        if (ValidationFraction is not null && Count < 2)
        {
            throw new ArgumentException($"a train/val split needs at least 2 images, got {Count}");
        }
    }

    /// <summary>Images in <c>val/</c>: count · fraction rounded half away from zero, at least 1 and leaving at least 1 for training.</summary>
    public int ValidationCount => ValidationFraction is { } f ? Math.Clamp((int)Math.Round(Count * f, MidpointRounding.AwayFromZero), 1, Count - 1) : 0;
}

/// <summary>What was written.</summary>
/// <param name="Subsets">Folder and image/annotation counts of each dataset written (one, or train and val).</param>
/// <param name="DroppedObjects">Objects removed because their visible area was below <see cref="SceneRenderer.MinVisibleArea"/> pixels.</param>
public sealed record SyntheticDatasetSummary(IReadOnlyList<SyntheticSubset> Subsets, long DroppedObjects, TimeSpan Elapsed)
{
    public int Images => Subsets.Sum(s => s.Images);

    public long Annotations => Subsets.Sum(s => s.Annotations);
}

/// <param name="Folder">Contains <c>annotations.json</c> and <c>images/</c>.</param>
public sealed record SyntheticSubset(string Name, string Folder, int Images, long Annotations);

/// <summary>
/// Generates the synthetic shapes dataset: images <c>{index:D6}.png</c> (image id = index + 1) in
/// <c>images/</c>, and <c>annotations.json</c> with categories 1–6 (circle, triangle, square, star, ring, cross),
/// one annotation per visible object (compressed RLE, bbox and area from the RLE, iscrowd 0), ids in image then
/// paint order. Output is byte-identical for the same options on any machine and thread count.
/// </summary>
public static class SyntheticDatasetWriter
{
    /// <summary>Renders image <paramref name="index"/> of seed <paramref name="seed"/>.</summary>
    internal static Scene RenderImage(ulong seed, int index, int size) =>
        SceneRenderer.Render(size, new SplitMix64(SplitMix64.Mix(seed, (ulong)index)));

    public static SyntheticDatasetSummary Write(SyntheticDatasetOptions options, string outputFolder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(outputFolder);
        options.Validate();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var trainCount = options.Count - options.ValidationCount;
        var subsets = options.ValidationFraction is null
            ? new[] { (Name: "all", Folder: outputFolder, First: 0, Count: options.Count) }
            : [("train", Path.Combine(outputFolder, "train"), 0, trainCount), ("val", Path.Combine(outputFolder, "val"), trainCount, options.ValidationCount)];
        foreach (var subset in subsets)
        {
            Directory.CreateDirectory(Path.Combine(subset.Folder, CocoInstanceDataset.ImagesFolderName));
        }

        // Every image is independent: render and encode in parallel, keep only the masks for the JSON.
        var masks = new IReadOnlyList<(ShapeKind Kind, RleMask Mask)>[options.Count];
        var dropped = new int[options.Count];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism, CancellationToken = cancellationToken };
        var encoder = new PngEncoder { ColorType = PngColorType.Rgb, BitDepth = PngBitDepth.Bit8, CompressionLevel = PngCompressionLevel.BestSpeed, FilterMethod = PngFilterMethod.Adaptive };
        try
        {
            Parallel.For(0, options.Count, parallel, i =>
            {
                var scene = RenderImage(options.Seed, i, options.Size);
                var folder = subsets.First(s => i >= s.First && i < s.First + s.Count).Folder;
                using (var image = Image.LoadPixelData<Rgb24>(scene.Rgb, scene.Size, scene.Size))
                {
                    image.SaveAsPng(Path.Combine(folder, CocoInstanceDataset.ImagesFolderName, FileName(i)), encoder);
                }

                masks[i] = [.. scene.Objects.Select((o, k) => (o.Kind, scene.Masks[k]))];
                dropped[i] = scene.Dropped;
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count >= 1)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
        }

        var written = new List<SyntheticSubset>();
        foreach (var subset in subsets)
        {
            var dataset = BuildDataset(options, subset.Name, subset.First, subset.Count, masks);
            using (var stream = File.Create(Path.Combine(subset.Folder, CocoInstanceDataset.AnnotationsFileName)))
            {
                CocoFiles.WriteDataset(dataset, stream);
            }

            written.Add(new SyntheticSubset(subset.Name, subset.Folder, subset.Count, dataset.Annotations.Count));
        }

        return new SyntheticDatasetSummary(written, dropped.Sum(), clock.Elapsed);
    }

    /// <summary>File name of image <paramref name="index"/>.</summary>
    public static string FileName(int index) => $"{index:D6}.png";

    private static CocoDataset BuildDataset(
        SyntheticDatasetOptions options, string subset, int first, int count, IReadOnlyList<(ShapeKind Kind, RleMask Mask)>[] masks)
    {
        var images = new List<CocoImage>(count);
        var annotations = new List<CocoAnnotation>();
        for (var i = first; i < first + count; i++)
        {
            images.Add(new CocoImage { Id = i + 1, Width = options.Size, Height = options.Size, FileName = FileName(i) });
            foreach (var (kind, mask) in masks[i])
            {
                annotations.Add(new CocoAnnotation
                {
                    Id = annotations.Count + 1,
                    ImageId = i + 1,
                    CategoryId = (int)kind,
                    Segmentation = RleSegmentation.Compressed(mask.Height, mask.Width, Rle.ToCompressedString(mask)),
                    Area = mask.Area,
                    Bbox = mask.Bounds,
                    IsCrowd = false,
                });
            }
        }

        var info = JsonSerializer.SerializeToElement(
            new SyntheticInfo("DiMaskDino synthetic shapes (dimaskdino-train synth)", subset, options.Seed, options.Size, SceneRenderer.MinVisibleArea),
            SyntheticJsonContext.Default.SyntheticInfo);
        return new CocoDataset
        {
            Info = info,
            Images = images,
            Annotations = annotations,
            Categories = [.. ShapeKinds.All.Select(k => new CocoCategory { Id = (int)k, Name = k.CategoryName(), Supercategory = "shape" })],
        };
    }
}

/// <summary>The <c>info</c> block of a synthetic annotations.json.</summary>
internal sealed record SyntheticInfo(
    [property: JsonPropertyName("description")] string Description,
    [property: JsonPropertyName("subset")] string Subset,
    [property: JsonPropertyName("seed")] ulong Seed,
    [property: JsonPropertyName("size")] int Size,
    [property: JsonPropertyName("min_visible_area")] int MinVisibleArea);

[JsonSerializable(typeof(SyntheticInfo))]
internal sealed partial class SyntheticJsonContext : JsonSerializerContext;
