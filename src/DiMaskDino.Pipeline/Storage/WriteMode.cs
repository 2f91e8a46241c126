namespace DiMaskDino.Pipeline.Storage;

public enum WriteMode
{
    /// <summary>Replace whatever is there.</summary>
    Overwrite,

    /// <summary>Write only if the blob does not exist yet (first writer wins).</summary>
    CreateNew,
}
