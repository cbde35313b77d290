// A failing property is enough to kill a mutant; shrinking its program would only cost time.
import fc from 'fast-check';

fc.configureGlobal({ endOnFailure: true });
