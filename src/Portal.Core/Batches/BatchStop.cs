namespace Portal.Core.Batches;

/// <summary>Why a run stopped dispatching lines: what the runner does next depends on it.</summary>
internal enum BatchStop { AllDone, Cancelled, Expired, Paused }
