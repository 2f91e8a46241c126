namespace DiMaskDino.Pipeline.Exports;

/// <summary>Settings of <see cref="LabelExporter"/>; each applies to the formats named.</summary>
public sealed record ExportOptions
{
    /// <summary>COCO and Label Studio: masks as polygons (COCO) or <c>polygonlabels</c> (Label Studio) instead of RLE / brush.</summary>
    public bool Polygons { get; init; }

    /// <summary>
    /// Label Studio: put before each <c>file_name</c> to make the task's image URL. The default serves files from
    /// Label Studio's local storage (<c>LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT</c> pointing at the images' root).
    /// </summary>
    public string ImageUrlPrefix { get; init; } = "/data/local-files/?d=";

    /// <summary>YOLO: the folder the <c>file_name</c>s are relative to; when set, <c>images/</c> is filled with links to them.</summary>
    public string? ImagesFolder { get; init; }
}
