# La consola del centro (páginas del personal).
console-name = Consola de OpenVisit
console-nav-label = Consola
console-nav-schedule = Agenda
console-nav-live = Visitas en vivo
console-nav-approvals = Aprobaciones
console-nav-roster = Lista de internos
console-nav-settings = Configuración
console-nav-reports = Informes
console-nav-audit = Registro de auditoría
console-nav-support = Bandeja de soporte
console-working = Procesando…
console-saved = Guardado.
console-err-generic = No se hizo: { $message }
console-err-above-cap = No se guardó: { $per_minute } por minuto supera el tope de tarifa de este centro, { $cap }. Baje la tarifa o alargue el intervalo.
console-err-no-cap = No se guardó: ningún tope de tarifa se aplica a este centro. Haga las visitas gratuitas o pida al operador que indique el tipo de centro.
console-err-bad-increment = No se guardó: el intervalo de cobro debe ser de 15 o 30 minutos.
console-err-negative-fee = No se guardó: la tarifa no puede ser negativa.
console-err-signed-out = Su sesión terminó. Vuelva a iniciar sesión y repita la acción.
console-err-forbidden = Su función no permite hacer esto. Pídalo a un administrador del centro.
console-err-not-found = Esto ya no existe. Recargue la página.
console-err-bad-roster = No se leyó el archivo: { $message }. Corrija esa línea y súbalo de nuevo.
console-err-network = No se pudo contactar con el servidor. Revise la conexión e inténtelo de nuevo.
console-admin-only = Solo un administrador del centro puede cambiar esto.
console-save = Guardar
console-add = Añadir
console-reason = Motivo
console-reason-optional = Motivo (el visitante lo ve)
console-reason-needed = Indique un motivo; las personas afectadas lo verán.
console-when = Cuándo
console-resident = Interno
console-visitor = Visitante
console-status = Estado
console-kind = Tipo
console-price = Precio
console-refund = Reembolsado
console-reason-by-visitor = la canceló el visitante
console-reason-released = el interno salió del centro
console-reason-moved-no-kiosk = el interno pasó a otra unidad, donde no hay ningún quiosco libre a esa hora
console-reason-moved-no-hours = el interno pasó a otra unidad, que no tiene horario de visitas a esa hora
console-reason-platform-fault = ni la imagen ni el sonido llegaron a ninguna de las partes (una falla de OpenVisit)
console-from = Desde
console-to = Hasta
console-day = Día
console-unit = Módulo
console-lobby = Vestíbulo (visitas presenciales)
console-show = Mostrar
console-filter = Filtrar
console-all = Todas
console-privileged = Privilegiada (abogado)
console-amount = Importe ($)
console-memo = Nota que lee el visitante

console-settings-title = Configuración del centro
console-rules-title = Visitas y precios
console-kinds = Visitas que se reservan aquí
console-offers-remote = Visitas a distancia (desde casa)
console-offers-on-site = Visitas presenciales (quiosco del vestíbulo)
console-on-site-note = Dónde se reservan las visitas presenciales, en inglés (se muestra a las familias si no se ofrecen aquí)
console-on-site-note-es = Lo mismo en español (las familias que leen en español ven este)
console-visit-rules = Normas de visita (conducta, vestimenta, qué termina una visita), una por línea
console-visit-rules-es = Lo mismo en español
console-visit-rules-hint = Los visitantes las leen y aceptan antes de su primera reserva aquí; si las cambias, cada visitante las vuelve a aceptar antes de su próxima reserva. Deja ambas vacías si no hay.
console-pricing-mode = Precio
console-pricing-free = Gratis
console-pricing-block = Por bloque, cobrado al reservar
console-pricing-per-minute = Por minuto, solo se cobran los minutos conectados
console-increment = Intervalo de cobro (minutos)
console-fee = Tarifa por intervalo ($)
console-fee-hint = Se aplica el tope de tarifa según el tipo y tamaño del centro; una tarifa mayor se rechaza.
console-lengths = Duraciones ofrecidas (minutos, separadas por comas)
console-grid = Las visitas empiezan cada (minutos)
console-min-notice = Antelación mínima para reservar (minutos)
console-max-days = Las reservas abren con estos días de antelación
console-cancel-notice = Cancelación gratuita hasta estos minutos antes
console-weekly-limit = Visitas por interno y semana (0 = sin límite)
console-gap = Pausa entre visitas en un quiosco (minutos)
console-recordings-title = Grabaciones
console-recording-days = Conservar las grabaciones (días)
console-recording-days-hint = Las visitas no privilegiadas se graban (R14). Las grabaciones más antiguas se borran cada hora. Las visitas privilegiadas nunca se graban.
console-units-title = Módulos, quioscos y horarios de visita
console-kiosks = Quioscos
console-hours = Horario de visitas
console-hours-hint = Hora del centro, por ejemplo: mon-fri 08:00-11:30,13:00-20:00; sat 09:00-12:00
console-add-unit = Añadir un módulo
console-add-kiosk = Añadir un quiosco
console-set-hours = Fijar el horario de visitas
console-name-field = Nombre
console-blackouts-title = Cierres y confinamientos
console-blackouts-none = No hay ningún cierre previsto.
console-add-blackout = Planificar un cierre
console-blackout-hint = Las horas están en la zona horaria del centro ({ $zone }). Verá a quién afecta antes de que cambie nada.
console-blackout-preview = Ver a quién afecta
console-blackout-bad-time = Indique fecha y hora de inicio y de fin.
console-blackout-order = El cierre debe empezar antes de terminar.
console-blackout-affects-none = Ninguna visita reservada cae en este periodo.
console-blackout-affects = { $count ->
    [one] Una visita reservada cae en este periodo. Se cancelará con reembolso completo y se avisará al visitante por correo:
   *[other] { $count } visitas reservadas caen en este periodo. Se cancelarán con reembolso completo y se avisará a los visitantes por correo:
}
console-blackout-confirm = { $count ->
    [0] Crear el cierre
    [one] Crear el cierre y cancelar 1 visita
   *[other] Crear el cierre y cancelar { $count } visitas
}
console-blackout-done = El cierre está en vigor; las visitas afectadas se cancelaron y reembolsaron.

console-blackout-lift = Levantar ahora
console-blackout-lifted = El cierre se levantó; sus horas se pueden reservar de nuevo. Las visitas que canceló siguen canceladas y reembolsadas.

console-roster-title = Lista de internos
console-roster-intro = Suba la lista exportada del sistema penitenciario en CSV con las columnas booking_number, full_name, housing_unit. Verá los cambios antes de aplicarlos. Quien cambia de módulo conserva las visitas que caen en el horario de visitas del nuevo módulo con uno de sus quioscos libre; las demás visitas de internos trasladados o liberados se cancelan con reembolso completo.
console-roster-file = Archivo de la lista (CSV)
console-roster-preview = Ver los cambios
console-roster-preview-title = Vista previa: todavía no ha cambiado nada
console-roster-applied = La lista se aplicó.
console-roster-added = Altas
console-roster-moved = Trasladados a otro módulo
console-roster-released = Liberados
console-roster-kept = Visitas conservadas en otro quiosco: { $count }.
console-roster-cancelled = Visitas canceladas y reembolsadas: { $count }.
console-roster-unchanged = Internos sin cambios: { $count }.
console-roster-apply = Aplicar la lista

console-approvals-title = Aprobaciones
console-approvals-none = No hay nadie esperando.
console-email-confirmed = correo confirmado
console-email-unconfirmed = correo aún sin confirmar
console-requested = solicitado el
console-grant-privileged = Privilegiada (abogado): sin vigilancia ni grabación
console-approve = Aprobar
console-deny = Denegar
console-suspend = Suspender (cancela las visitas futuras con reembolso)
console-decided = La decisión está guardada y se avisa al visitante.

console-schedule-title = Agenda
console-all-units = Todos los módulos
console-show-day = Mostrar el día
console-times-in = Horas en { $zone }
console-kiosk-free = Sin visitas.
console-visit-title = Visita n.º { $number }
console-back-to-board = Volver a la agenda
console-play-recording = Reproducir la grabación
console-watch-live = Ver en vivo
console-cancel-title = Cancelar esta visita
console-cancel-note = El visitante recibe el reembolso completo y un correo con su motivo.
console-cancel = Cancelar la visita
console-cancelled = La visita está cancelada y el visitante reembolsado.
console-notice-title = Publicar un aviso en la sala de espera
console-notice-kind = Aviso
console-notice-text = Sus palabras (opcional; obligatorio para un mensaje)
console-notice-text-es = Lo mismo en español (las familias y residentes que leen en español ven este)
console-notice-post = Publicar el aviso
console-notice-posted = El aviso está publicado; la familia ya lo ve.
console-no-show-title = Por qué no vino el interno

console-reports-title = Informes
console-report-bad-dates = Elija fechas con el formato AAAA-MM-DD.
console-report-csv = Descargar en CSV
console-report-caption = Visitas por día y módulo (hora del centro)
console-missed-visitor = No vino el visitante
console-missed-resident = No vino el interno
console-missed-both = No vino ninguno
console-revenue = Ingresos
console-refunds = Reembolsos
console-credits = Créditos
console-total = Total
console-table-scroll = Tabla (se desplaza de lado)

console-audit-title = Registro de auditoría
console-audit-intro = Cada acción del personal y cada movimiento de dinero, lo más reciente primero. Nadie puede cambiar ni borrar una línea.
console-person = Persona
console-everyone = Todos
console-action = Acción
console-action-hint = Una acción como visit.cancel, o una familia que termina en punto, como ticket.
console-subject = Objeto
console-detail = Detalle
console-audit-none = Ninguna línea coincide.
console-audit-limit = Como máximo las { $count } líneas más recientes.
console-audit-system = El sistema
console-audit-someone = Personal de otro centro
console-audit-actor = { $role } · { $name }
console-role-visitor = Visitante
console-role-facility_admin = Administrador del centro
console-role-officer = Agente
console-role-support = Soporte de OpenVisit
console-yes = sí
console-no = no
console-audit-unchanged = no cambió nada
console-audit-action-approval-decide = Aprobación decidida
console-audit-action-approval-privileged = Condición de abogado cambiada
console-audit-action-blackout-add = Cierre añadido
console-audit-action-blackout-lift = Cierre levantado
console-audit-action-facility-recording-days = Conservación de grabaciones cambiada
console-audit-action-facility-settings = Configuración cambiada
console-audit-action-hours-set = Horario de visitas fijado
console-audit-action-kiosk-add = Quiosco añadido
console-audit-action-ledger-entry = Movimiento de dinero
console-audit-action-roster-import = Lista de residentes importada
console-audit-action-ticket-close = Consulta cerrada
console-audit-action-ticket-reply = Consulta respondida
console-audit-action-unit-add = Unidad añadida
console-audit-action-unit-retire = Unidad retirada del servicio
console-audit-action-kiosk-retire = Quiosco retirado del servicio
console-audit-action-visit-cancel = Visita cancelada
console-audit-action-visit-end = Visita terminada
console-audit-action-visit-no-show-reason = Motivo de ausencia registrado
console-audit-action-visit-notice = Aviso publicado
console-audit-approval-pending = en espera
console-audit-approval-approved = aprobado
console-audit-approval-denied = no aprobado
console-audit-approval-suspended = suspendido
console-audit-account-visitor = Saldo del visitante
console-audit-account-payments = Pagos recibidos
console-audit-account-revenue = Ingresos del centro
console-audit-account-hold = Retenido para la visita
console-audit-account-credits = Créditos de la plataforma
console-audit-field-reason = motivo
console-audit-field-refund-cents = reembolsado
console-audit-field-notice = aviso
console-audit-field-kind = tipo
console-audit-field-body = texto
console-audit-field-body-es = texto en español
console-audit-field-start = desde
console-audit-field-end = hasta
console-audit-field-cancelled-visits = visitas canceladas
console-audit-field-began = ya había empezado
console-audit-field-chars = caracteres
console-audit-field-from = antes
console-audit-field-to = ahora
console-audit-field-privileged = privilegiada (abogado)
console-audit-field-visits = visitas
console-audit-field-added = añadidos
console-audit-field-moved = trasladados
console-audit-field-released = liberados
console-audit-field-kept-visits = visitas mantenidas
console-audit-field-connected-seconds = segundos conectados
console-audit-field-lost-minutes = minutos perdidos por una falla
console-audit-field-charged-cents = cobrado
console-audit-field-credited-cents = acreditado
console-audit-field-entry = asiento
console-audit-field-postings = apuntes

console-support-title = Bandeja de soporte
console-support-none = No hay preguntas.
console-reference = Referencia
console-received = Recibida
console-from-person = De
console-question = Pregunta
console-general = general
console-ticket-open = Abierta
console-ticket-answered = Respondida
console-ticket-closed = Cerrada
console-replies = Respuestas
console-reply = Su respuesta
console-reply-hint = Se envía por correo a quien preguntó.
console-reply-send = Enviar la respuesta
console-reply-sent = La respuesta se envió por correo.
console-ticket-close = Cerrar la pregunta
console-ticket-closed-done = La pregunta está cerrada.
console-sender-visits = Las visitas de esta persona aquí
console-no-visits = Sin visitas.
console-day-list = Las visitas del día
console-sender-ledger = El dinero de esta persona
console-no-money = Sin movimientos de dinero.
console-sender-unknown = No hay una cuenta de visitante con este correo.
console-credit-title = Crédito de cortesía
console-credit-give = Dar el crédito
console-credit-done = El crédito está en el saldo del visitante.

# The undelivered emails page.
console-nav-emails = Correos
console-emails-title = Correos no entregados
console-emails-intro = Correos de visitas que el servidor de correo no aceptó. Cada uno se vuelve a intentar por sí solo, esperando más tras cada fallo; tras el último intento se abandona. Comuníquese con estas familias por otro medio (por teléfono o en la visita) y revise la configuración del correo si fallan muchos.
console-emails-none = Todos los correos de visitas se han entregado.
console-emails-visit = Visita
console-emails-to = Para
console-emails-what = Correo
console-emails-state = Entrega
console-emails-error = Respuesta del servidor de correo
console-emails-trying = Se sigue intentando
console-emails-given-up = Abandonado
console-email-attempts = { $count } de { $most } intentos
console-email-news-booked = Visita reservada
console-email-news-changed = Visita cambiada
console-email-news-cancelled = Visita cancelada
console-email-news-reminder = Recordatorio
console-rename-title = Cambiar el nombre o retirar del servicio
console-rename-unit = Nuevo nombre para la unidad { $name }
console-rename-kiosk = Nuevo nombre para el quiosco { $name }
console-rename = Cambiar nombre
console-renamed = Nombre cambiado.
console-retire = Retirar del servicio…
console-retire-title = Retirar del servicio el quiosco { $name }
console-retire-affects-none = Ninguna visita reservada usa este quiosco: no afecta a nadie.
console-retire-affects = { $count ->
        [one] 1 visita reservada usa este quiosco. Se cancelará con reembolso completo y se le dirá a la familia por qué:
       *[other] { $count } visitas reservadas usan este quiosco. Se cancelarán con reembolso completo y se le dirá a cada familia por qué:
    }
console-retire-reason = Motivo (cada familia afectada lo lee)
console-retire-confirm = { $count ->
        [0] Retirarlo del servicio
        [one] Retirarlo del servicio y cancelar 1 visita
       *[other] Retirarlo del servicio y cancelar { $count } visitas
    }
console-retire-keep = Mantenerlo en servicio
console-retired = El quiosco está fuera de servicio.
console-retire-unit-title = Retirar del servicio la unidad { $name }, con sus quioscos
console-retire-unit-residents = { $count ->
        [one] Todavía vive 1 persona en esta unidad. Primero trasládela a otra unidad.
       *[other] Todavía viven { $count } personas en esta unidad. Primero trasládelas a otra unidad.
    }
console-retire-unit-roster = Abrir la lista de internos
console-retire-unit-affects = { $count ->
        [0] Nadie vive aquí y ninguna visita reservada usa sus quioscos: no afecta a nadie.
        [one] 1 visita reservada usa sus quioscos. Se cancelará con reembolso completo y se le dirá a la familia por qué.
       *[other] { $count } visitas reservadas usan sus quioscos. Se cancelarán con reembolso completo y se le dirá a cada familia por qué.
    }
console-retire-unit-confirm = Retirar del servicio la unidad y sus quioscos
console-retired-unit = La unidad y sus quioscos están fuera de servicio.
console-nav-book = Reservar para una familia
console-book-title = Reservar para una familia
console-book-lead = Para una familia por teléfono o en el vestíbulo: las mismas normas y horarios que en el sitio web, con cargo al saldo de la familia, y en el registro de auditoría como tu reserva.
console-book-family = { $visitor } para visitar a { $resident }
console-book-no-families = Todavía no hay ninguna familia aprobada para visitar a nadie aquí.
console-book-other-family = Elegir otra familia
console-book-minutes = { $minutes } minutos
console-book-rules = Las normas de visita del centro, que esta familia aún no aceptó
console-book-rules-read = Leí estas normas a la familia y aceptó cumplirlas
console-book-charge = El precio se descuenta del saldo de la familia, como si hubiera reservado en el sitio web.
console-book-confirm = Reservar para la familia
console-book-funds = El saldo de la familia es { $balance }; esta visita cuesta { $price }. Primero debe agregar fondos.
console-book-walk-in-title = Visita sin cita en el vestíbulo
console-book-walk-in = El próximo horario presencial libre hoy es a las { $time } (hora del centro), por { $minutes } minutos.
console-book-walk-in-none = No queda ningún horario presencial libre hoy. Elija otro día abajo.
console-book-walk-in-confirm = Reservarla ahora
