// The train form's scheduling fields: priority, CPUs, memory and restarts.
import type { FieldError } from "../../api/client";
import { errorsFor } from "../../api/client";
import { FieldMessage } from "../../components/ui";
import { useT } from "../../i18n";
import { MAX_RESTARTS_MAX, PRIORITY_MAX, PRIORITY_MIN, schedulingProblems, type Scheduling } from "./scheduling";

function ServerErrors({ errors }: { errors: FieldError[] }) {
  return (
    <>
      {errors.map((e, i) => (
        <FieldMessage key={i} testId="field-error">
          {e.problem}
          {e.allowed ? ` (${e.allowed})` : ""}
        </FieldMessage>
      ))}
    </>
  );
}

export function SchedulingFields(props: { value: Scheduling; onChange: (changes: Partial<Scheduling>) => void; serverErrors: FieldError[] }) {
  const t = useT();
  const { value, onChange } = props;
  const problems = schedulingProblems(value);
  return (
    <div data-testid="scheduling">
      <label className="field">
        <span>{t("train.priority")}</span>
        <input
          type="number"
          className="narrow"
          min={PRIORITY_MIN}
          max={PRIORITY_MAX}
          step={1}
          value={value.priority}
          onChange={(e) => onChange({ priority: e.target.value })}
          aria-invalid={!!problems.priority}
          data-testid="priority"
        />
        <FieldMessage kind="help">{t("train.priorityHelp")}</FieldMessage>
        <FieldMessage>{problems.priority && t(problems.priority)}</FieldMessage>
        <ServerErrors errors={errorsFor(props.serverErrors, "priority")} />
      </label>
      <label className="field">
        <span>{t("train.cpus")}</span>
        <input
          type="number"
          min={0}
          step="any"
          value={value.cpus}
          placeholder={t("train.resourcesDefault")}
          onChange={(e) => onChange({ cpus: e.target.value })}
          aria-invalid={!!problems.cpus}
          data-testid="cpus"
        />
        <FieldMessage>{problems.cpus && t(problems.cpus)}</FieldMessage>
        <ServerErrors errors={errorsFor(props.serverErrors, "cpus")} />
      </label>
      <label className="field">
        <span>{t("train.memoryGb")}</span>
        <input
          type="number"
          min={0}
          step="any"
          value={value.memoryGb}
          placeholder={t("train.resourcesDefault")}
          onChange={(e) => onChange({ memoryGb: e.target.value })}
          aria-invalid={!!problems.memoryGb}
          data-testid="memory-gb"
        />
        <FieldMessage>{problems.memoryGb && t(problems.memoryGb)}</FieldMessage>
        <ServerErrors errors={errorsFor(props.serverErrors, "memory_gb")} />
      </label>
      <div className="field">
        <FieldMessage kind="help">{t("train.resourcesHelp")}</FieldMessage>
      </div>
      <label className="field">
        <span>{t("train.maxRestarts")}</span>
        <input
          type="number"
          className="narrow"
          min={0}
          max={MAX_RESTARTS_MAX}
          step={1}
          value={value.maxRestarts}
          onChange={(e) => onChange({ maxRestarts: e.target.value })}
          aria-invalid={!!problems.maxRestarts}
          data-testid="max-restarts"
        />
        <FieldMessage kind="help">{t("train.maxRestartsHelp")}</FieldMessage>
        <FieldMessage testId="max-restarts-error">{problems.maxRestarts && t(problems.maxRestarts)}</FieldMessage>
        <ServerErrors errors={errorsFor(props.serverErrors, "max_restarts")} />
      </label>
      <div className="field">
        <label className="check">
          <input type="checkbox" checked={value.restartOnError} onChange={(e) => onChange({ restartOnError: e.target.checked })} data-testid="restart-on-error" />
          {t("train.restartOnError")}
        </label>
        <FieldMessage kind="help">{t("train.restartOnErrorHelp")}</FieldMessage>
        <ServerErrors errors={errorsFor(props.serverErrors, "restart_on_error")} />
      </div>
    </div>
  );
}
