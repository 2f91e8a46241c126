// COCO instance-segmentation dataset reader: an instances JSON (via DiMaskDino.Coco) plus an image folder, turned
// into InstanceSample objects at image resolution (model.md §1.3: crowd annotations dropped; §1.4 labels).

using DiMaskDino.Coco;
using DiMaskDino.Coco.Masks;

namespace DiMaskDino.Model.Data;

/// <summary>
/// A COCO dataset opened for training or evaluation. Opening reads and checks the JSON and that every image file
/// exists; <see cref="Load"/> decodes one image and its masks. Thread-safe after construction (loader threads call
/// <see cref="Load"/> concurrently).
/// </summary>
/// <remarks>
/// Annotations kept for training: not crowd, with a usable mask. Polygons with fewer than 3 points (or an odd number
/// of coordinates) are left out of a polygon list, and an annotation left with none is skipped and counted in
/// <see cref="SkippedAnnotations"/> — detectron2's load_coco_json does the same. An annotation with only a bbox is an
/// error: instance segmentation needs masks.
/// </remarks>
public sealed class CocoInstanceDataset
{
    /// <summary>File name of the instances JSON inside a dataset folder (<see cref="OpenFolder"/>).</summary>
    public const string AnnotationsFileName = "annotations.json";

    /// <summary>Image folder name inside a dataset folder (<see cref="OpenFolder"/>).</summary>
    public const string ImagesFolderName = "images";

    private readonly Instance[][] _instances;

    private CocoInstanceDataset(string annotationsPath, string imageFolder, CocoDataset dataset)
    {
        AnnotationsPath = annotationsPath;
        ImageFolder = imageFolder;
        GroundTruth = dataset;
        Images = dataset.Images;
        Categories = new CategoryMap(dataset.Categories);

        var indexById = new Dictionary<long, int>(Images.Count);
        for (var i = 0; i < Images.Count; i++)
        {
            indexById.Add(Images[i].Id, i);
        }

        var perImage = new List<Instance>?[Images.Count];
        var skipped = 0;
        for (var a = 0; a < dataset.Annotations.Count; a++)
        {
            var annotation = dataset.Annotations[a];
            if (annotation.IsCrowd)
            {
                continue;
            }

            var imageIndex = indexById[annotation.ImageId];
            var image = Images[imageIndex];
            var segmentation = Usable(annotation, image, a);
            if (segmentation is null)
            {
                skipped++;
                continue;
            }

            (perImage[imageIndex] ??= []).Add(new Instance(a, Categories.IndexOf(annotation.CategoryId), segmentation));
        }

        _instances = [.. perImage.Select(list => list?.ToArray() ?? [])];
        SkippedAnnotations = skipped;
        IndicesWithInstances = [.. Enumerable.Range(0, Images.Count).Where(i => _instances[i].Length > 0)];
    }

    /// <summary>The instances JSON this dataset was read from.</summary>
    public string AnnotationsPath { get; }

    /// <summary>The annotations file as read (crowds included), the ground truth for COCOeval.</summary>
    public CocoDataset GroundTruth { get; }

    /// <summary>Folder that the images' <c>file_name</c>s are relative to.</summary>
    public string ImageFolder { get; }

    /// <summary>All images, in file order (evaluation uses every one).</summary>
    public IReadOnlyList<CocoImage> Images { get; }

    /// <summary>Category ids ↔ class indices.</summary>
    public CategoryMap Categories { get; }

    /// <summary>Indices into <see cref="Images"/> of the images with at least one non-crowd instance (training uses these).</summary>
    public IReadOnlyList<int> IndicesWithInstances { get; }

    /// <summary>Non-crowd annotations left out because no valid polygon remained.</summary>
    public int SkippedAnnotations { get; }

    /// <summary>Opens <c>DIR/annotations.json</c> with images in <c>DIR/images</c> (the layout <c>dimaskdino-train synth</c> writes).</summary>
    public static CocoInstanceDataset OpenFolder(string folder, bool checkImageFiles = true) =>
        Open(Path.Combine(folder, AnnotationsFileName), Path.Combine(folder, ImagesFolderName), checkImageFiles);

    /// <summary>Reads and checks <paramref name="annotationsPath"/>; image files are looked up under <paramref name="imageFolder"/>.</summary>
    /// <param name="checkImageFiles">Check now that every image file exists (one stat per image).</param>
    /// <exception cref="CocoFormatException">The JSON is unreadable or inconsistent; names the file and JSON path.</exception>
    /// <exception cref="InvalidDataException">The dataset has no images or no categories.</exception>
    /// <exception cref="FileNotFoundException">An image file is missing; names it.</exception>
    /// <exception cref="DirectoryNotFoundException">The image folder does not exist.</exception>
    public static CocoInstanceDataset Open(string annotationsPath, string imageFolder, bool checkImageFiles = true)
    {
        ArgumentNullException.ThrowIfNull(annotationsPath);
        ArgumentNullException.ThrowIfNull(imageFolder);
        annotationsPath = Path.GetFullPath(annotationsPath);
        imageFolder = Path.GetFullPath(imageFolder);
        if (!File.Exists(annotationsPath))
        {
            throw new FileNotFoundException($"{annotationsPath}: annotations file not found", annotationsPath);
        }

        var dataset = CocoFiles.ReadDataset(annotationsPath);
        if (dataset.Images.Count == 0)
        {
            throw new InvalidDataException($"{annotationsPath}: the dataset has no images");
        }

        if (dataset.Categories.Count == 0)
        {
            throw new InvalidDataException($"{annotationsPath}: the dataset has no categories");
        }

        if (!Directory.Exists(imageFolder))
        {
            throw new DirectoryNotFoundException($"{imageFolder}: image folder not found (images of {annotationsPath})");
        }

        var opened = new CocoInstanceDataset(annotationsPath, imageFolder, dataset);
        if (checkImageFiles)
        {
            for (var i = 0; i < opened.Images.Count; i++)
            {
                var path = opened.ImagePath(i);
                if (!File.Exists(path))
                {
                    throw new FileNotFoundException($"{path}: image file not found (image id {opened.Images[i].Id} in {annotationsPath})", path);
                }
            }
        }

        return opened;
    }

    /// <summary>Full path of image <paramref name="index"/>.</summary>
    public string ImagePath(int index) => Path.Combine(ImageFolder, Images[index].FileName);

    /// <summary>Number of non-crowd instances image <paramref name="index"/> will load with (before empty masks are dropped).</summary>
    public int InstanceCount(int index) => _instances[index].Length;

    /// <summary>
    /// Decodes image <paramref name="index"/> and its non-crowd masks at image resolution. Instances whose mask is
    /// empty are dropped; boxes are the masks' tight boxes.
    /// </summary>
    /// <exception cref="FileNotFoundException">The image file is missing.</exception>
    /// <exception cref="InvalidDataException">The image cannot be decoded or its size differs from the JSON's; names the file.</exception>
    /// <exception cref="CocoFormatException">A compressed RLE string is malformed.</exception>
    public InstanceSample Load(int index)
    {
        var info = Images[index];
        var image = LoadImage(index);
        int height = info.Height, width = info.Width, plane = height * width;
        var instances = _instances[index];
        var masks = new byte[instances.Length * plane];
        var labels = new List<int>(instances.Length);
        var boxes = new List<PixelBox>(instances.Length);
        foreach (var instance in instances)
        {
            var destination = masks.AsSpan(labels.Count * plane, plane);
            Rasterize(Mask(instance, info), destination);
            if (InstanceSample.TightBox(destination, height, width) is not { } box)
            {
                destination.Clear();
                continue;
            }

            labels.Add(instance.ClassIndex);
            boxes.Add(box);
        }

        return new InstanceSample(info.Id, image, [.. labels], labels.Count == instances.Length ? masks : masks[..(labels.Count * plane)], [.. boxes]);
    }

    /// <summary>Decodes image <paramref name="index"/> and checks its size against the JSON.</summary>
    /// <exception cref="FileNotFoundException">The image file is missing.</exception>
    /// <exception cref="InvalidDataException">The image cannot be decoded or its size differs from the JSON's; names the file.</exception>
    public RgbImage LoadImage(int index)
    {
        var info = Images[index];
        var path = ImagePath(index);
        var image = ImageDecoding.Decode(path);
        if (image.Height != info.Height || image.Width != info.Width)
        {
            throw new InvalidDataException(
                $"{path}: the image is {image.Width}x{image.Height} (width x height) but {AnnotationsPath} says {info.Width}x{info.Height} for image id {info.Id}");
        }

        return image;
    }

    /// <summary>Writes a column-major RLE into a row-major 0/1 buffer (which must be zero).</summary>
    internal static void Rasterize(RleMask mask, Span<byte> rowMajor)
    {
        int height = mask.Height, width = mask.Width;
        var counts = mask.Counts;
        long position = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            long end = position + counts[i];
            if ((i & 1) == 1)
            {
                // A foreground run goes down column x from row y, wrapping into the next columns.
                for (var p = position; p < end;)
                {
                    int x = (int)(p / height), y = (int)(p % height);
                    var stop = (int)Math.Min(height, y + (end - p));
                    for (var yy = y; yy < stop; yy++)
                    {
                        rowMajor[yy * width + x] = 1;
                    }

                    p += stop - y;
                }
            }

            position = end;
        }
    }

    private RleMask Mask(Instance instance, CocoImage image)
    {
        try
        {
            return instance.Segmentation switch
            {
                PolygonSegmentation polygons => Rle.FromPolygons(polygons.Polygons, image.Height, image.Width),
                RleSegmentation { CompressedCounts: { } counts } => Rle.FromCompressedString(counts, image.Height, image.Width),
                RleSegmentation { Counts: { } runs } => Rle.FromUncompressed(runs, image.Height, image.Width),
                _ => throw new InvalidOperationException("unreachable: segmentation kinds are checked when opening"),
            };
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new CocoFormatException(AnnotationsPath, $"$.annotations[{instance.AnnotationIndex}].segmentation", e.Message, e);
        }
    }

    /// <summary>The segmentation to rasterise, with bad polygons removed, or null when none is usable.</summary>
    private Segmentation? Usable(CocoAnnotation annotation, CocoImage image, int annotationIndex)
    {
        var path = $"$.annotations[{annotationIndex}]";
        switch (annotation.Segmentation)
        {
            case null:
                throw new CocoFormatException(AnnotationsPath, path, $"annotation {annotation.Id} has no segmentation; instance segmentation needs masks");
            case PolygonSegmentation polygons:
                var valid = polygons.Polygons.Where(p => p is { Length: >= 6 } && p.Length % 2 == 0).ToArray();
                return valid.Length == 0 ? null : valid.Length == polygons.Polygons.Count ? polygons : new PolygonSegmentation(valid);
            case RleSegmentation rle when rle.Height != image.Height || rle.Width != image.Width:
                throw new CocoFormatException(
                    AnnotationsPath, path + ".segmentation.size",
                    $"annotation {annotation.Id}: RLE size {rle.Height}x{rle.Width} (height x width) differs from image {image.Id}'s {image.Height}x{image.Width}");
            default:
                return annotation.Segmentation;
        }
    }

    private sealed record Instance(int AnnotationIndex, int ClassIndex, Segmentation Segmentation);
}
