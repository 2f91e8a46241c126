namespace DiMaskDino.Inference.Images;

/// <summary>Why <see cref="ImageLoader"/> refused an image.</summary>
public enum ImageRejectionReason
{
    /// <summary>The file or stream has no bytes.</summary>
    Empty,

    /// <summary>The bytes are not in any format the loader knows (JPEG, PNG, BMP, GIF, WebP, TIFF, …).</summary>
    UnknownFormat,

    /// <summary>The header declares more pixels than <see cref="ImageLoader.MaxPixels"/> (decompression-bomb guard).</summary>
    TooLarge,

    /// <summary>The format is recognised but the content is damaged or cut short.</summary>
    Corrupt,

    /// <summary>The format is recognised but uses a feature the decoder does not support.</summary>
    Unsupported,
}

/// <summary>
/// A per-image failure: the image cannot be used, and <see cref="Exception.Message"/> says why in one line (no stack
/// trace needed). The pipeline records it as the image's failure reason; it is never a reason to fail a whole shard.
/// </summary>
public sealed class ImageRejectedException : Exception
{
    public ImageRejectedException(ImageRejectionReason reason, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Reason = reason;
    }

    public ImageRejectionReason Reason { get; }
}
