namespace DiMaskDino.Model.Import;

/// <summary>A checkpoint or configuration that cannot be imported; the message is one line naming the file and the problem.</summary>
public sealed class OfficialCheckpointException : Exception
{
    public OfficialCheckpointException(string file, string problem, Exception? inner = null)
        : base($"{file}: {problem}", inner)
    {
        File = file;
    }

    public string File { get; }
}
