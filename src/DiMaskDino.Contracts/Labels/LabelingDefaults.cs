namespace DiMaskDino.Contracts.Labels;

/// <summary>Defaults shared by the inference engine, the pipeline's requests and every host's options.</summary>
public static class LabelingDefaults
{
    /// <summary>The official k (DETECTIONS_PER_IMAGE = 100), also every host's default "at most this many instances per image".</summary>
    public const int DetectionsPerImage = 100;
}
