using DiMaskDino.ServiceDefaults;
using DiMaskDino.Worker;

var builder = WebApplication.CreateSlimBuilder(args);
builder.AddDiMaskDinoDefaults();
builder.AddDiMaskDinoWorker();
var app = builder.Build();
app.MapWorkerHealth();
app.Run();
