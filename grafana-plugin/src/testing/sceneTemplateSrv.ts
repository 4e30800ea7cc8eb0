/**
 * Grafana's template service as Grafana 12 runs it over a dashboard scene, for tests: interpolation
 * is the real @grafana/scenes engine; only the thin routing that lives in Grafana core is restated
 * here, from public/app/features/templating/template_srv.ts (12.x): replace() interpolates in the
 * scene object the panel passes in scopedVars.__sceneObject, else in the active
 * window.__grafanaSceneContext; getVariables() lists that context's variables as legacy models,
 * as public/app/features/dashboard-scene/serialization/sceneVariablesSetToVariables.ts does for
 * query and custom variables (current value and text, multi, includeAll, allValue, options).
 */
import type { ScopedVars, TypedVariableModel } from '@grafana/data';
import type { TemplateSrv } from '@grafana/runtime';
import { MultiValueVariable, sceneGraph, type SceneObject, type VariableCustomFormatterFn } from '@grafana/scenes';

interface SceneWindow {
  __grafanaSceneContext?: SceneObject;
}

export function sceneTemplateSrv(): TemplateSrv {
  const context = () => (window as unknown as SceneWindow).__grafanaSceneContext;
  return {
    replace(target?: string, scopedVars?: ScopedVars, format?: string | Function): string {
      const sceneObject = (scopedVars?.__sceneObject as { value?: SceneObject } | undefined)?.value;
      const scene = sceneObject ?? (context()?.isActive ? context() : undefined);
      if (!scene) {
        throw new Error('no scene: these tests run Grafana 12 dashboards, which are scenes');
      }
      return sceneGraph.interpolate(scene, target, scopedVars, format as string | VariableCustomFormatterFn | undefined);
    },
    getVariables(): TypedVariableModel[] {
      const scene = context();
      if (!scene) {
        return [];
      }
      return sceneGraph.getVariables(scene).state.variables.map((v) => {
        const multi = v instanceof MultiValueVariable;
        return {
          name: v.state.name,
          type: v.state.type,
          current: multi ? { value: v.state.value, text: v.state.text } : { value: v.getValue(), text: v.getValueText?.() },
          multi: multi ? v.state.isMulti : undefined,
          includeAll: multi ? v.state.includeAll : undefined,
          allValue: multi ? v.state.allValue : undefined,
          options: multi ? v.state.options.map((o: { label: string; value: string | number }) => ({ text: o.label, value: o.value, selected: false })) : [],
        } as unknown as TypedVariableModel;
      });
    },
    containsTemplate: (target?: string) => !!target && /\$|\[\[/.test(target),
    updateTimeRange: () => undefined,
  } as unknown as TemplateSrv;
}
