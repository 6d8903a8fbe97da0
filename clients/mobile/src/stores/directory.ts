// Directory data the screens name things with (catalog, regions, departments, teams), read once
// and cached — in localStorage for the catalog and regions, so an order can be written offline.
import { fromJson, toJson, type DescMessage, type JsonValue, type MessageShape } from '@bufbuild/protobuf';
import { reactive } from 'vue';
import { api } from '@/api/client';
import {
  DepartmentSchema,
  ProgramSchema,
  RegionLevel,
  RegionSchema,
  ServiceLineSchema,
  TeamSchema,
  type Department,
  type Program,
  type Region,
  type ServiceLine,
  type Team,
} from '@/gen/kepu/v1/directory_pb';
import { settings } from './settings';

const PREFIX = 'kepu.cache.v1.';

function cacheGet<D extends DescMessage>(schema: D, key: string): MessageShape<D>[] | undefined {
  try {
    const raw = globalThis.localStorage?.getItem(PREFIX + key);
    if (!raw) return undefined;
    return (JSON.parse(raw) as JsonValue[]).map((j) =>
      fromJson(schema, j, { ignoreUnknownFields: true }),
    );
  } catch {
    return undefined;
  }
}

function cachePut<D extends DescMessage>(schema: D, key: string, items: MessageShape<D>[]): void {
  try {
    globalThis.localStorage?.setItem(
      PREFIX + key,
      JSON.stringify(items.map((i) => toJson(schema, i))),
    );
  } catch {
    /* storage full: the cache is only a convenience */
  }
}

export const directory = reactive({
  programs: [] as Program[],
  lines: [] as ServiceLine[],
  departments: {} as Record<string, Department>,
  teams: {} as Record<string, Team>,
  regions: {} as Record<string, Region>,
});

/** Reads from the server; on failure falls back to the cached copy (or rethrows without one). */
async function cached<D extends DescMessage>(
  schema: D,
  key: string,
  load: () => Promise<MessageShape<D>[]>,
): Promise<MessageShape<D>[]> {
  try {
    const items = await load();
    cachePut(schema, key, items);
    return items;
  } catch (err) {
    const c = cacheGet(schema, key);
    if (c) return c;
    throw err;
  }
}

export async function loadCatalog(): Promise<void> {
  const [programs, lines] = await Promise.all([
    cached(ProgramSchema, 'programs', async () => (await api().directory.listPrograms({})).programs),
    cached(ServiceLineSchema, 'lines', async () => (await api().directory.listServiceLines({})).serviceLines),
  ]);
  directory.programs = programs;
  directory.lines = lines;
}

/** Children of a region ("" for the counties of the city), every page. */
export async function loadRegionChildren(parentId: string): Promise<Region[]> {
  const items = await cached(RegionSchema, `regions.${parentId || 'root'}`, async () => {
    const out: Region[] = [];
    let pageToken = '';
    do {
      const r = await api().directory.listRegions(
        parentId
          ? { parentId, page: { pageSize: 100, pageToken } }
          : { level: RegionLevel.COUNTY, page: { pageSize: 100, pageToken } },
      );
      out.push(...r.regions);
      pageToken = r.nextPageToken;
    } while (pageToken);
    if (!parentId) {
      // Functional zones are county-level too.
      let zoneToken = '';
      do {
        const z = await api().directory.listRegions({ level: RegionLevel.ZONE, page: { pageSize: 100, pageToken: zoneToken } });
        out.push(...z.regions);
        zoneToken = z.nextPageToken;
      } while (zoneToken);
    }
    return out.filter((r) => r.active);
  });
  for (const r of items) directory.regions[r.id] = r;
  return items;
}

export async function ensureRegion(id: string): Promise<Region | undefined> {
  if (!id) return undefined;
  if (directory.regions[id]) return directory.regions[id];
  try {
    const r = await api().directory.getRegion({ id });
    directory.regions[id] = r;
    return r;
  } catch {
    return undefined;
  }
}

export async function loadDepartments(): Promise<void> {
  if (Object.keys(directory.departments).length) return;
  const list = await cached(DepartmentSchema, 'departments', async () => (await api().directory.listDepartments({})).departments);
  for (const d of list) directory.departments[d.id] = d;
}

export async function ensureTeam(id: string): Promise<Team | undefined> {
  if (!id) return undefined;
  if (directory.teams[id]) return directory.teams[id];
  try {
    const t = await api().directory.getTeam({ id });
    directory.teams[id] = t;
    return t;
  } catch {
    return undefined;
  }
}

export function cacheTeam(t: Team): void {
  directory.teams[t.id] = t;
}

const en = () => settings.locale === 'en';
const pick = (zh: string, enName: string) => (en() && enName ? enName : zh);

export function lineName(id: string): string {
  const l = directory.lines.find((x) => x.id === id);
  return l ? pick(l.name, l.nameEn) : id;
}
export function programName(id: string): string {
  const p = directory.programs.find((x) => x.id === id);
  return p ? pick(p.name, p.nameEn) : id;
}
export function departmentName(id: string): string {
  const d = directory.departments[id];
  return d ? pick(d.name, d.nameEn) : id;
}
export function teamName(id: string): string {
  return directory.teams[id]?.name || id;
}
export function regionName(id: string): string {
  const r = directory.regions[id];
  return r ? pick(r.name, r.nameEn) : id;
}

/** Keeps TeamSchema referenced for callers that cache teams as JSON. */
export { TeamSchema };
