namespace DiMaskDino.Coco;

/// <summary>Checks the cross-references and invariants that JSON typing alone cannot.</summary>
internal static class CocoDatasetValidator
{
    public static void Validate(CocoDataset dataset, string file)
    {
        // "images": null (or "categories": null) deserializes as a null list.
        _ = dataset.Images ?? throw new CocoFormatException(file, "$.images", "expected an array of images, found null");
        _ = dataset.Categories ?? throw new CocoFormatException(file, "$.categories", "expected an array of categories, found null");
        var imageIds = new HashSet<long>();
        for (var i = 0; i < dataset.Images.Count; i++)
        {
            var image = dataset.Images[i] ?? throw new CocoFormatException(file, $"$.images[{i}]", "an image must be an object, found null");
            if (!imageIds.Add(image.Id))
            {
                throw new CocoFormatException(file, $"$.images[{i}].id", $"duplicate image id {image.Id}");
            }

            if (image.Width <= 0 || image.Height <= 0)
            {
                throw new CocoFormatException(file, $"$.images[{i}]", $"image {image.Id} has size {image.Width}x{image.Height}; width and height must be positive");
            }
        }

        var categoryIds = new HashSet<int>();
        for (var i = 0; i < dataset.Categories.Count; i++)
        {
            var category = dataset.Categories[i] ?? throw new CocoFormatException(file, $"$.categories[{i}]", "a category must be an object, found null");
            if (!categoryIds.Add(category.Id))
            {
                throw new CocoFormatException(file, $"$.categories[{i}].id", $"duplicate category id {category.Id}");
            }
        }

        var annotationIds = new HashSet<long>();
        for (var i = 0; i < dataset.Annotations.Count; i++)
        {
            var path = $"$.annotations[{i}]";
            var annotation = dataset.Annotations[i] ?? throw new CocoFormatException(file, path, "an annotation must be an object, found null");
            if (!annotationIds.Add(annotation.Id))
            {
                throw new CocoFormatException(file, path + ".id", $"duplicate annotation id {annotation.Id}");
            }

            if (!imageIds.Contains(annotation.ImageId))
            {
                throw new CocoFormatException(file, path + ".image_id", $"annotation {annotation.Id} refers to image {annotation.ImageId}, which is not in \"images\"");
            }

            if (!categoryIds.Contains(annotation.CategoryId))
            {
                throw new CocoFormatException(file, path + ".category_id", $"annotation {annotation.Id} refers to category {annotation.CategoryId}, which is not in \"categories\"");
            }

            if (annotation.Segmentation is null && annotation.Bbox is null)
            {
                throw new CocoFormatException(file, path, $"annotation {annotation.Id} has neither \"segmentation\" nor \"bbox\"");
            }

            ValidateSegmentation(annotation.Segmentation, file, path + ".segmentation");
            if (annotation.Area is { } area && (!double.IsFinite(area) || area < 0))
            {
                throw new CocoFormatException(file, path + ".area", $"area must be a non-negative number, found {area}");
            }
        }
    }

    public static void ValidateDetections(IReadOnlyList<CocoDetection> detections, string file)
    {
        for (var i = 0; i < detections.Count; i++)
        {
            var path = $"$[{i}]";
            var detection = detections[i] ?? throw new CocoFormatException(file, path, "a detection must be an object, found null");
            if (!double.IsFinite(detection.Score))
            {
                throw new CocoFormatException(file, path + ".score", $"score must be a finite number, found {detection.Score}");
            }

            if (detection.Bbox is null && detection.Segmentation is null)
            {
                throw new CocoFormatException(file, path, "a detection needs \"bbox\" or \"segmentation\"");
            }

            ValidateSegmentation(detection.Segmentation, file, path + ".segmentation");
        }
    }

    public static void ValidateDetectionImages(IReadOnlyList<CocoDetection> detections, CocoDataset groundTruth, string file)
    {
        var imageIds = new HashSet<long>(groundTruth.Images.Select(image => image.Id));
        for (var i = 0; i < detections.Count; i++)
        {
            if (!imageIds.Contains(detections[i].ImageId))
            {
                throw new CocoFormatException(file, $"$[{i}].image_id", $"detection refers to image {detections[i].ImageId}, which is not in the ground truth");
            }
        }
    }

    private static void ValidateSegmentation(Segmentation? segmentation, string file, string path)
    {
        switch (segmentation)
        {
            case PolygonSegmentation polygons:
                for (var p = 0; p < polygons.Polygons.Count; p++)
                {
                    if (polygons.Polygons[p].Length % 2 != 0)
                    {
                        throw new CocoFormatException(file, $"{path}[{p}]", $"a polygon needs an even number of coordinates, found {polygons.Polygons[p].Length}");
                    }
                }

                break;
            case RleSegmentation { Counts: { } counts } rle:
                long total = 0;
                foreach (var run in counts)
                {
                    total += run;
                }

                if (total != (long)rle.Height * rle.Width)
                {
                    throw new CocoFormatException(file, path + ".counts", $"RLE runs add up to {total} pixels but size {rle.Height}x{rle.Width} has {(long)rle.Height * rle.Width}");
                }

                break;
        }
    }
}
