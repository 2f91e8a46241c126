namespace DiMaskDino.Coco;

/// <summary>
/// A labeled dataset (our annotations.json: a COCO dataset whose annotations carry scores) read as detections against
/// a ground truth: images are matched by <c>file_name</c>, labeled images the ground truth does not list are left
/// out, and each annotation becomes a detection on the ground truth's image id.
/// </summary>
public static class LabeledDatasetDetections
{
    /// <param name="name">what errors call the labeled dataset's file</param>
    /// <returns>the detections, and how many labeled images the ground truth lists</returns>
    /// <exception cref="CocoFormatException">an annotation of a matched image has no score</exception>
    public static (List<CocoDetection> Detections, int MatchedImages) Match(CocoDataset truth, CocoDataset labels, string name)
    {
        var ourToGt = ImageIdMap(truth, labels);
        var detections = new List<CocoDetection>();
        for (var i = 0; i < labels.Annotations.Count; i++)
        {
            var a = labels.Annotations[i];
            if (!ourToGt.TryGetValue(a.ImageId, out var gtId))
            {
                continue;
            }

            var score = a.Score ?? throw new CocoFormatException(
                name, $"$.annotations[{i}].score", "a dataset used as detections needs a score on every annotation (label's annotations.json has them; ground truth has none)");
            detections.Add(new CocoDetection { ImageId = gtId, CategoryId = a.CategoryId, Bbox = a.Bbox, Segmentation = a.Segmentation, Score = score });
        }

        return (detections, ourToGt.Count);
    }

    /// <summary>Our image id → the ground truth's, for the labeled images whose <c>file_name</c> the ground truth lists (its first image of that name).</summary>
    public static Dictionary<long, long> ImageIdMap(CocoDataset truth, CocoDataset labels)
    {
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(labels);
        var gtIds = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var image in truth.Images)
        {
            gtIds.TryAdd(image.FileName, image.Id);
        }

        var ourToGt = new Dictionary<long, long>();
        foreach (var image in labels.Images)
        {
            if (gtIds.TryGetValue(image.FileName, out var id))
            {
                ourToGt[image.Id] = id;
            }
        }

        return ourToGt;
    }
}
