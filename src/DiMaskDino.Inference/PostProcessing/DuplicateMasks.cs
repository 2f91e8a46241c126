// Labels-mode rule 5 (docs/labels.md): no two labels for one object.

using DiMaskDino.Coco.Masks;

namespace DiMaskDino.Inference.PostProcessing;

/// <summary>
/// Greedy mask suppression across queries and classes: instances are taken best score first (stable on ties), and
/// one whose mask IoU (pycocotools' rleIou) with an instance already kept is at least the threshold is dropped.
/// </summary>
public static class DuplicateMasks
{
    /// <returns>The kept instances, best score first.</returns>
    public static IReadOnlyList<InstancePrediction> Remove(IReadOnlyList<InstancePrediction> instances, double iouThreshold)
    {
        ArgumentNullException.ThrowIfNull(instances);
        var kept = new List<InstancePrediction>(instances.Count);
        var keptMasks = new List<RleMask>(instances.Count);
        var iou = new double[instances.Count];
        var notCrowd = new bool[instances.Count];
        foreach (var instance in instances.OrderByDescending(i => i.Score))
        {
            Rle.Iou([instance.Mask], keptMasks.ToArray(), notCrowd.AsSpan(0, keptMasks.Count), iou);
            if (!iou.AsSpan(0, keptMasks.Count).ContainsAnyInRange(iouThreshold, double.PositiveInfinity))
            {
                kept.Add(instance);
                keptMasks.Add(instance.Mask);
            }
        }

        return kept;
    }
}
