package ui

import (
	"strings"

	"github.com/hdphone/hdphone/device"
)

// The screen's texts are written in English in the code and translated
// here, by the language of personal_settings/language. English needs no
// catalogue: an English text is its own translation, so the notification
// strings of the manual's troubleshooting tables (Table 2-9, §8.1, §8.2)
// appear exactly as printed. A language without a catalogue shows English.
//
// Templates hold %s (a domain, an address) or %d (a count); translate fills
// the same value into the translated template.

// catalogue maps an English text to its translation.
type catalogue map[string]string

// catalogues are the languages with translations, by the value of
// personal_settings/language.
var catalogues = map[string]catalogue{
	"German":  german,
	"French":  french,
	"Spanish": spanish,
}

// Languages lists the languages that have a catalogue, English first.
func Languages() []string { return []string{"English", "German", "French", "Spanish"} }

// translate returns s in language lang.
func translate(lang, s string) string {
	cat := catalogueFor(lang)
	if cat == nil || s == "" {
		return s
	}
	if t, ok := cat[s]; ok {
		return t
	}
	// A text made from a template: "Failed to connect sip.example.com server".
	for _, tmpl := range templates {
		if arg, ok := matchTemplate(tmpl, s); ok {
			if t, ok := cat[tmpl]; ok {
				return strings.Replace(t, "%s", arg, 1)
			}
		}
	}
	return s
}

func catalogueFor(lang string) catalogue {
	for name, c := range catalogues {
		if strings.EqualFold(name, strings.TrimSpace(lang)) {
			return c
		}
	}
	return nil
}

// templates are the catalogue keys with one %s.
var templates = []string{
	"Failed to connect %s server",
	"Cannot find Lync server at %s",
	"Upgrading firmware %s…",
}

func matchTemplate(tmpl, s string) (string, bool) {
	pre, suf, _ := strings.Cut(tmpl, "%s")
	if len(s) <= len(pre)+len(suf) || !strings.HasPrefix(s, pre) || !strings.HasSuffix(s, suf) {
		return "", false
	}
	return s[len(pre) : len(s)-len(suf)], true
}

// Notifications are the screen notifications of the manual's
// troubleshooting tables (Table 2-9, §8.1, §8.2; SIGN-13) as the phone
// shows them, templates with %s where the manual prints <domain> or <>; the
// device owns the list.
var Notifications = device.TroubleshootingNotes

// languageNames are the languages of personal_settings/language as the
// Language menu writes them, in their own language.
var languageNames = map[string]string{
	"English": "English", "Spanish": "Español", "Russian": "Русский", "Portuguese": "Português",
	"German": "Deutsch", "Ukraine": "Українська", "French": "Français", "Italian": "Italiano",
	"Hebrew": "עברית", "Polish": "Polski", "Korean": "한국어", "Finnish": "Suomi", "Chinese": "中文",
	"Magyar": "Magyar", "Japanese": "日本語", "Slovak": "Slovenčina", "Czech": "Čeština",
	"PORTUGUESEBRAZILIAN": "Português (Brasil)",
}

func languageName(l string) string {
	if n, ok := languageNames[l]; ok {
		return n
	}
	return l
}

var german = catalogue{
	// notifications (SIGN-13, SIGN-15)
	"Failed to validate certificate":                      "Zertifikat konnte nicht geprüft werden",
	"Failed to obtain user certificate":                   "Benutzerzertifikat nicht erhalten",
	"Failed to connect to time server":                    "Keine Verbindung zum Zeitserver",
	"PIN internal error":                                  "Interner PIN-Fehler",
	"Failed to connect %s server":                         "Keine Verbindung zum Server %s",
	"Cannot find Lync server at %s":                       "Lync-Server unter %s nicht gefunden",
	"Location look-up failed. Please enter your address.": "Standortsuche fehlgeschlagen. Bitte Adresse eingeben.",
	"LAN Link failure":                                    "LAN-Verbindung unterbrochen",
	"Duplicate IP":                                        "IP-Adresse doppelt vergeben",
	"Failed to connect to Lync server":                    "Keine Verbindung zum Lync-Server",
	"PIN invalid phone info":                              "PIN: ungültige Telefondaten",
	"PIN not set":                                         "PIN nicht gesetzt",
	"PIN expired":                                         "PIN abgelaufen",
	"PIN account disabled":                                "PIN-Konto gesperrt",
	"Invalid address, username or password":               "Adresse, Benutzername oder Kennwort ungültig",
	"The phone number or extension is not valid":          "Rufnummer oder Nebenstelle ungültig",
	"Warning. Restore settings?":                          "Achtung. Einstellungen zurücksetzen?",
	"Warning: Restart the phone?":                         "Achtung: Telefon neu starten?",
	"Better Together Activated":                           "Better Together aktiviert",
	"Pairing activated":                                   "Kopplung aktiviert",
	"Uploading log file":                                  "Protokoll wird hochgeladen",
	"Log upload finished":                                 "Protokoll hochgeladen",
	"Private Call":                                        "Privatgespräch",
	// boot
	"Please wait…":                 "Bitte warten…",
	"Acquiring IP…":                "IP-Adresse wird bezogen…",
	"Discovering CDP…":             "CDP-Erkennung…",
	"Discovering LLDP…":            "LLDP-Erkennung…",
	"Recovery mode":                "Wiederherstellungsmodus",
	"Upgrading firmware %s…":       "Firmware %s wird installiert…",
	"No SIP line":                  "Keine SIP-Leitung",
	"Registered":                   "Angemeldet",
	"Registering…":                 "Anmeldung…",
	"Registration failed":          "Anmeldung fehlgeschlagen",
	"Not registered":               "Nicht angemeldet",
	"DND":                          "Ruhe",
	"Fwd":                          "Uml.",
	"Locked":                       "Gesperrt",
	"Phone locked":                 "Telefon gesperrt",
	"%d new voice messages":        "%d neue Sprachnachrichten",
	"Voice message waiting":        "Sprachnachricht wartet",
	"%d missed calls":              "%d verpasste Anrufe",
	"Calls are not available":      "Anrufe nicht möglich",
	"Not available":                "Nicht verfügbar",
	"No number":                    "Keine Nummer",
	"No voicemail number":          "Keine Sprachbox-Nummer",
	"Invalid value":                "Ungültiger Wert",
	"Invalid address":              "Ungültige Adresse",
	"Saved":                        "Gespeichert",
	"Restarting…":                  "Neustart…",
	"Wrong password":               "Falsches Kennwort",
	"Wrong PIN":                    "Falsche PIN",
	"Emergency numbers only":       "Nur Notrufnummern",
	"(empty)":                      "(leer)",
	"calls":                        "Anrufe",
	"Dialing":                      "Wählen",
	"Calling":                      "Anruf",
	"Ringing":                      "Klingelt",
	"Incoming call":                "Eingehender Anruf",
	"On hold":                      "Gehalten",
	"Call ended":                   "Anruf beendet",
	"Conference":                   "Konferenz",
	"Transferring":                 "Wird vermittelt",
	"Connected":                    "Verbunden",
	"Muted":                        "Stumm",
	"Held by far end":              "Von Gegenstelle gehalten",
	"Held":                         "Gehalten",
	"Waiting":                      "Wartet",
	"Page":                         "Durchsage",
	"Paging":                       "Durchsage",
	"Page received":                "Durchsage empfangen",
	"blind to":                     "blind an",
	"consulting":                   "Rückfrage bei",
	"attended to":                  "vermittelt an",
	"semi-attended to":             "vermittelt an",
	"transfer failed:":             "Vermittlung fehlgeschlagen:",
	"Transfer to":                  "Vermitteln an",
	"Blind transfer to":            "Blind vermitteln an",
	"Conference with":              "Konferenz mit",
	"Forward all calls to":         "Alle Anrufe umleiten an",
	"Voicemail PIN":                "Sprachbox-PIN",
	"Emergency call":               "Notruf",
	"Set unlock PIN":               "Entsperr-PIN festlegen",
	"Unlock PIN":                   "Entsperr-PIN",
	"4 digits or more":             "Mindestens 4 Ziffern",
	"PIN must be 4 digits or more": "PIN muss mindestens 4 Ziffern haben",
	"# switches 123/abc":           "# wechselt 123/abc",
	"Use * for the dot":            "* für den Punkt",
	// softkeys
	"Select": "Auswahl", "Back": "Zurück", "OK": "OK", "Clear": "Löschen", "Cancel": "Abbruch",
	"Yes": "Ja", "No": "Nein", "Edit": "Ändern", "Save": "Speichern", "Apply": "Anwenden", "Off": "Aus",
	"Dial": "Wählen", "Answer": "Annehmen", "Reject": "Ablehnen", "End": "Beenden", "Hold": "Halten",
	"Resume": "Holen", "Trans": "Vermitt.", "BXfer": "Blind", "Conf": "Konf.", "Swap": "Makeln",
	"More": "Mehr", "Accept": "Annehmen", "Redial": "Wahlwdh.", "Forward": "Umleiten", "Menu": "Menü",
	"Unlock": "Entsperr.", "Emergency": "Notruf",
	// menus
	"Status": "Status", "Settings": "Einstellungen", "Administration": "Administration",
	"Call Log": "Anrufliste", "Directory": "Verzeichnis", "Keys": "Tasten", "Lock": "Sperren",
	"Network Status": "Netzwerkstatus", "Firmware Version": "Firmware-Version", "Model": "Modell",
	"IP Address": "IP-Adresse", "Subnet Mask": "Subnetzmaske", "Default Gateway": "Standard-Gateway",
	"DNS": "DNS", "LAN Connection Type": "LAN-Verbindungstyp", "VLAN ID": "VLAN-ID", "MAC Address": "MAC-Adresse",
	"Date and Time": "Datum und Uhrzeit", "Ring Tones": "Klingeltöne", "Language": "Sprache",
	"Audio Device": "Audiogerät", "NTP Server": "NTP-Server", "Time Format": "Zeitformat",
	"Date Format": "Datumsformat", "24 Hour": "24 Stunden", "12 Hour": "12 Stunden",
	"Enabled": "Aktiviert", "Disabled": "Deaktiviert", "Speaker": "Lautsprecher", "Headset": "Headset",
	"Password": "Kennwort", "Network Settings": "Netzwerkeinstellungen", "Restore Defaults": "Werkseinstellungen",
	"Restart": "Neustart", "Automatic IP (DHCP)": "Automatische IP (DHCP)", "Static IP": "Statische IP",
	"Netmask": "Netzmaske", "Gateway": "Gateway", "Primary DNS": "Primärer DNS", "Secondary DNS": "Sekundärer DNS",
	"IP address and netmask are required": "IP-Adresse und Netzmaske erforderlich",
	"VLAN Settings":                       "VLAN-Einstellungen", "VLAN Mode": "VLAN-Modus", "Priority": "Priorität", "Interval": "Intervall",
	"802.1X Settings": "802.1X-Einstellungen", "The phone will restart": "Das Telefon wird neu gestartet",
	"Identity": "Identität", "Missed Calls": "Verpasste Anrufe", "Received Calls": "Angenommene Anrufe",
	"Dialed Calls": "Gewählte Nummern", "DnD All": "Ruhe alle", "Forward All": "Alle umleiten",
	"Calendar": "Kalender", "Hot Desking": "Hot Desking",
	// dates
	"Mon": "Mo", "Tue": "Di", "Wed": "Mi", "Thu": "Do", "Fri": "Fr", "Sat": "Sa", "Sun": "So",
	"Jan": "Jan", "Feb": "Feb", "Mar": "Mär", "Apr": "Apr", "May": "Mai", "Jun": "Jun",
	"Jul": "Jul", "Aug": "Aug", "Sep": "Sep", "Oct": "Okt", "Nov": "Nov", "Dec": "Dez",
}

var french = catalogue{
	"Failed to validate certificate":                      "Échec de la validation du certificat",
	"Failed to obtain user certificate":                   "Échec de l'obtention du certificat utilisateur",
	"Failed to connect to time server":                    "Échec de connexion au serveur de temps",
	"PIN internal error":                                  "Erreur interne du PIN",
	"Failed to connect %s server":                         "Échec de connexion au serveur %s",
	"Cannot find Lync server at %s":                       "Serveur Lync introuvable à %s",
	"Location look-up failed. Please enter your address.": "Recherche d'emplacement échouée. Saisissez votre adresse.",
	"LAN Link failure":                                    "Liaison LAN interrompue",
	"Duplicate IP":                                        "Adresse IP en double",
	"Failed to connect to Lync server":                    "Échec de connexion au serveur Lync",
	"PIN invalid phone info":                              "PIN : informations téléphone invalides",
	"PIN not set":                                         "PIN non défini",
	"PIN expired":                                         "PIN expiré",
	"PIN account disabled":                                "Compte PIN désactivé",
	"Invalid address, username or password":               "Adresse, nom d'utilisateur ou mot de passe invalide",
	"The phone number or extension is not valid":          "Le numéro ou le poste n'est pas valide",
	"Warning. Restore settings?":                          "Attention. Restaurer les paramètres ?",
	"Warning: Restart the phone?":                         "Attention : redémarrer le téléphone ?",
	"Better Together Activated":                           "Better Together activé",
	"Pairing activated":                                   "Appairage activé",
	"Uploading log file":                                  "Envoi du journal",
	"Log upload finished":                                 "Journal envoyé",
	"Private Call":                                        "Appel privé",
	"Please wait…":                                        "Veuillez patienter…",
	"Acquiring IP…":                                       "Obtention de l'adresse IP…",
	"Discovering CDP…":                                    "Découverte CDP…",
	"Discovering LLDP…":                                   "Découverte LLDP…",
	"Recovery mode":                                       "Mode de récupération",
	"Upgrading firmware %s…":                              "Mise à jour du micrologiciel %s…",
	"No SIP line":                                         "Aucune ligne SIP",
	"Registered":                                          "Enregistré",
	"Registering…":                                        "Enregistrement…",
	"Registration failed":                                 "Échec de l'enregistrement",
	"Not registered":                                      "Non enregistré",
	"DND":                                                 "NPD",
	"Fwd":                                                 "Renv.",
	"Locked":                                              "Verrouillé",
	"Phone locked":                                        "Téléphone verrouillé",
	"%d new voice messages":                               "%d nouveaux messages vocaux",
	"Voice message waiting":                               "Message vocal en attente",
	"%d missed calls":                                     "%d appels manqués",
	"Calls are not available":                             "Appels indisponibles",
	"Not available":                                       "Non disponible",
	"No number":                                           "Aucun numéro",
	"No voicemail number":                                 "Aucun numéro de messagerie",
	"Invalid value":                                       "Valeur invalide",
	"Invalid address":                                     "Adresse invalide",
	"Saved":                                               "Enregistré",
	"Restarting…":                                         "Redémarrage…",
	"Wrong password":                                      "Mot de passe erroné",
	"Wrong PIN":                                           "PIN erroné",
	"Emergency numbers only":                              "Numéros d'urgence uniquement",
	"(empty)":                                             "(vide)",
	"calls":                                               "appels",
	"Dialing":                                             "Numérotation",
	"Calling":                                             "Appel en cours",
	"Ringing":                                             "Sonnerie",
	"Incoming call":                                       "Appel entrant",
	"On hold":                                             "En attente",
	"Call ended":                                          "Appel terminé",
	"Conference":                                          "Conférence",
	"Transferring":                                        "Transfert",
	"Connected":                                           "Connecté",
	"Muted":                                               "Muet",
	"Held by far end":                                     "Mis en attente par le correspondant",
	"Held":                                                "En attente",
	"Waiting":                                             "En attente",
	"Page":                                                "Annonce",
	"Paging":                                              "Annonce",
	"Page received":                                       "Annonce reçue",
	"blind to":                                            "aveugle vers",
	"consulting":                                          "consultation de",
	"attended to":                                         "transféré à",
	"semi-attended to":                                    "transféré à",
	"transfer failed:":                                    "échec du transfert :",
	"transfer:":                                           "transfert :",
	"transferred by":                                      "transféré par",
	"Transfer to":                                         "Transférer à",
	"Blind transfer to":                                   "Transfert aveugle à",
	"Conference with":                                     "Conférence avec",
	"Forward all calls to":                                "Renvoyer tous les appels à",
	"Voicemail PIN":                                       "PIN de messagerie",
	"Emergency call":                                      "Appel d'urgence",
	"Set unlock PIN":                                      "Définir le PIN",
	"Unlock PIN":                                          "PIN de déverrouillage",
	"4 digits or more":                                    "4 chiffres ou plus",
	"PIN must be 4 digits or more":                        "Le PIN doit avoir 4 chiffres ou plus",
	"# switches 123/abc":                                  "# bascule 123/abc",
	"Use * for the dot":                                   "* pour le point",
	"Select":                                              "Choisir", "Back": "Retour", "OK": "OK", "Clear": "Effacer", "Cancel": "Annuler",
	"Yes": "Oui", "No": "Non", "Edit": "Modifier", "Save": "Enreg.", "Apply": "Appliquer", "Off": "Désact.",
	"Dial": "Appeler", "Answer": "Répondre", "Reject": "Rejeter", "End": "Fin", "Hold": "Attente",
	"Resume": "Reprendre", "Trans": "Transf.", "BXfer": "Tr.aveug.", "Conf": "Conf.", "Swap": "Basculer",
	"More": "Plus", "Accept": "Accepter", "Redial": "Bis", "Forward": "Renvoi", "Menu": "Menu",
	"Unlock": "Déverr.", "Emergency": "Urgence",
	"Status": "État", "Settings": "Paramètres", "Administration": "Administration",
	"Call Log": "Journal", "Directory": "Annuaire", "Keys": "Touches", "Lock": "Verrouiller",
	"Network Status": "État du réseau", "Firmware Version": "Version du micrologiciel", "Model": "Modèle",
	"IP Address": "Adresse IP", "Subnet Mask": "Masque de sous-réseau", "Default Gateway": "Passerelle par défaut",
	"DNS": "DNS", "LAN Connection Type": "Type de connexion LAN", "VLAN ID": "ID VLAN", "MAC Address": "Adresse MAC",
	"Date and Time": "Date et heure", "Ring Tones": "Sonneries", "Language": "Langue",
	"Audio Device": "Périphérique audio", "NTP Server": "Serveur NTP", "Time Format": "Format de l'heure",
	"Date Format": "Format de la date", "24 Hour": "24 heures", "12 Hour": "12 heures",
	"Enabled": "Activé", "Disabled": "Désactivé", "Speaker": "Haut-parleur", "Headset": "Casque",
	"Password": "Mot de passe", "Network Settings": "Paramètres réseau", "Restore Defaults": "Paramètres d'usine",
	"Restart": "Redémarrer", "Automatic IP (DHCP)": "IP automatique (DHCP)", "Static IP": "IP statique",
	"Netmask": "Masque", "Gateway": "Passerelle", "Primary DNS": "DNS principal", "Secondary DNS": "DNS secondaire",
	"IP address and netmask are required": "Adresse IP et masque requis",
	"VLAN Settings":                       "Paramètres VLAN", "VLAN Mode": "Mode VLAN", "Priority": "Priorité", "Interval": "Intervalle",
	"802.1X Settings": "Paramètres 802.1X", "The phone will restart": "Le téléphone va redémarrer",
	"Identity": "Identité", "Missed Calls": "Appels manqués", "Received Calls": "Appels reçus",
	"Dialed Calls": "Appels émis", "DnD All": "NPD tous", "Forward All": "Tout renvoyer",
	"Calendar": "Calendrier", "Hot Desking": "Hot Desking",
	"Mon": "lun", "Tue": "mar", "Wed": "mer", "Thu": "jeu", "Fri": "ven", "Sat": "sam", "Sun": "dim",
	"Jan": "janv", "Feb": "févr", "Mar": "mars", "Apr": "avr", "May": "mai", "Jun": "juin",
	"Jul": "juil", "Aug": "août", "Sep": "sept", "Oct": "oct", "Nov": "nov", "Dec": "déc",
}

var spanish = catalogue{
	"Failed to validate certificate":                      "Error al validar el certificado",
	"Failed to obtain user certificate":                   "Error al obtener el certificado de usuario",
	"Failed to connect to time server":                    "Error al conectar con el servidor de hora",
	"PIN internal error":                                  "Error interno de PIN",
	"Failed to connect %s server":                         "Error al conectar con el servidor %s",
	"Cannot find Lync server at %s":                       "No se encuentra el servidor Lync en %s",
	"Location look-up failed. Please enter your address.": "Falló la búsqueda de ubicación. Introduzca su dirección.",
	"LAN Link failure":                                    "Fallo del enlace LAN",
	"Duplicate IP":                                        "IP duplicada",
	"Failed to connect to Lync server":                    "Error al conectar con el servidor Lync",
	"PIN invalid phone info":                              "PIN: datos del teléfono no válidos",
	"PIN not set":                                         "PIN no establecido",
	"PIN expired":                                         "PIN caducado",
	"PIN account disabled":                                "Cuenta PIN deshabilitada",
	"Invalid address, username or password":               "Dirección, usuario o contraseña no válidos",
	"The phone number or extension is not valid":          "El número o la extensión no es válido",
	"Warning. Restore settings?":                          "Atención. ¿Restaurar la configuración?",
	"Warning: Restart the phone?":                         "Atención: ¿reiniciar el teléfono?",
	"Better Together Activated":                           "Better Together activado",
	"Pairing activated":                                   "Emparejamiento activado",
	"Uploading log file":                                  "Subiendo el registro",
	"Log upload finished":                                 "Registro subido",
	"Private Call":                                        "Llamada privada",
	"Please wait…":                                        "Espere…",
	"Acquiring IP…":                                       "Obteniendo IP…",
	"Discovering CDP…":                                    "Detectando CDP…",
	"Discovering LLDP…":                                   "Detectando LLDP…",
	"Recovery mode":                                       "Modo de recuperación",
	"Upgrading firmware %s…":                              "Actualizando firmware %s…",
	"No SIP line":                                         "Sin línea SIP",
	"Registered":                                          "Registrado",
	"Registering…":                                        "Registrando…",
	"Registration failed":                                 "Error de registro",
	"Not registered":                                      "No registrado",
	"DND":                                                 "NoMol.",
	"Fwd":                                                 "Desv.",
	"Locked":                                              "Bloqueado",
	"Phone locked":                                        "Teléfono bloqueado",
	"%d new voice messages":                               "%d mensajes de voz nuevos",
	"Voice message waiting":                               "Mensaje de voz en espera",
	"%d missed calls":                                     "%d llamadas perdidas",
	"Calls are not available":                             "Llamadas no disponibles",
	"Not available":                                       "No disponible",
	"No number":                                           "Sin número",
	"No voicemail number":                                 "Sin número de buzón",
	"Invalid value":                                       "Valor no válido",
	"Invalid address":                                     "Dirección no válida",
	"Saved":                                               "Guardado",
	"Restarting…":                                         "Reiniciando…",
	"Wrong password":                                      "Contraseña incorrecta",
	"Wrong PIN":                                           "PIN incorrecto",
	"Emergency numbers only":                              "Solo números de emergencia",
	"(empty)":                                             "(vacío)",
	"calls":                                               "llamadas",
	"Dialing":                                             "Marcando",
	"Calling":                                             "Llamando",
	"Ringing":                                             "Sonando",
	"Incoming call":                                       "Llamada entrante",
	"On hold":                                             "En espera",
	"Call ended":                                          "Llamada finalizada",
	"Conference":                                          "Conferencia",
	"Transferring":                                        "Transfiriendo",
	"Connected":                                           "Conectado",
	"Muted":                                               "Silenciado",
	"Held by far end":                                     "En espera por el otro extremo",
	"Held":                                                "En espera",
	"Waiting":                                             "En espera",
	"Page":                                                "Aviso",
	"Paging":                                              "Megafonía",
	"Page received":                                       "Aviso recibido",
	"blind to":                                            "ciega a",
	"consulting":                                          "consultando a",
	"attended to":                                         "transferida a",
	"semi-attended to":                                    "transferida a",
	"transfer failed:":                                    "error de transferencia:",
	"transfer:":                                           "transferencia:",
	"transferred by":                                      "transferida por",
	"Transfer to":                                         "Transferir a",
	"Blind transfer to":                                   "Transferencia ciega a",
	"Conference with":                                     "Conferencia con",
	"Forward all calls to":                                "Desviar todas las llamadas a",
	"Voicemail PIN":                                       "PIN del buzón",
	"Emergency call":                                      "Llamada de emergencia",
	"Set unlock PIN":                                      "Definir PIN de desbloqueo",
	"Unlock PIN":                                          "PIN de desbloqueo",
	"4 digits or more":                                    "4 dígitos o más",
	"PIN must be 4 digits or more":                        "El PIN debe tener 4 dígitos o más",
	"# switches 123/abc":                                  "# cambia 123/abc",
	"Use * for the dot":                                   "* para el punto",
	"Select":                                              "Elegir", "Back": "Atrás", "OK": "OK", "Clear": "Borrar", "Cancel": "Cancelar",
	"Yes": "Sí", "No": "No", "Edit": "Editar", "Save": "Guardar", "Apply": "Aplicar", "Off": "Desact.",
	"Dial": "Marcar", "Answer": "Contestar", "Reject": "Rechazar", "End": "Colgar", "Hold": "Espera",
	"Resume": "Reanudar", "Trans": "Transf.", "BXfer": "T.ciega", "Conf": "Conf.", "Swap": "Alternar",
	"More": "Más", "Accept": "Aceptar", "Redial": "Rellamar", "Forward": "Desvío", "Menu": "Menú",
	"Unlock": "Desbloq.", "Emergency": "Urgencia",
	"Status": "Estado", "Settings": "Ajustes", "Administration": "Administración",
	"Call Log": "Registro", "Directory": "Directorio", "Keys": "Teclas", "Lock": "Bloquear",
	"Network Status": "Estado de red", "Firmware Version": "Versión de firmware", "Model": "Modelo",
	"IP Address": "Dirección IP", "Subnet Mask": "Máscara de subred", "Default Gateway": "Puerta de enlace",
	"DNS": "DNS", "LAN Connection Type": "Tipo de conexión LAN", "VLAN ID": "ID de VLAN", "MAC Address": "Dirección MAC",
	"Date and Time": "Fecha y hora", "Ring Tones": "Tonos de llamada", "Language": "Idioma",
	"Audio Device": "Dispositivo de audio", "NTP Server": "Servidor NTP", "Time Format": "Formato de hora",
	"Date Format": "Formato de fecha", "24 Hour": "24 horas", "12 Hour": "12 horas",
	"Enabled": "Activado", "Disabled": "Desactivado", "Speaker": "Altavoz", "Headset": "Auriculares",
	"Password": "Contraseña", "Network Settings": "Ajustes de red", "Restore Defaults": "Restaurar valores",
	"Restart": "Reiniciar", "Automatic IP (DHCP)": "IP automática (DHCP)", "Static IP": "IP estática",
	"Netmask": "Máscara", "Gateway": "Puerta de enlace", "Primary DNS": "DNS primario", "Secondary DNS": "DNS secundario",
	"IP address and netmask are required": "Se requieren dirección IP y máscara",
	"VLAN Settings":                       "Ajustes de VLAN", "VLAN Mode": "Modo VLAN", "Priority": "Prioridad", "Interval": "Intervalo",
	"802.1X Settings": "Ajustes 802.1X", "The phone will restart": "El teléfono se reiniciará",
	"Identity": "Identidad", "Missed Calls": "Llamadas perdidas", "Received Calls": "Llamadas recibidas",
	"Dialed Calls": "Llamadas realizadas", "DnD All": "No molestar", "Forward All": "Desviar todo",
	"Calendar": "Calendario", "Hot Desking": "Hot Desking",
	"Mon": "lun", "Tue": "mar", "Wed": "mié", "Thu": "jue", "Fri": "vie", "Sat": "sáb", "Sun": "dom",
	"Jan": "ene", "Feb": "feb", "Mar": "mar", "Apr": "abr", "May": "may", "Jun": "jun",
	"Jul": "jul", "Aug": "ago", "Sep": "sep", "Oct": "oct", "Nov": "nov", "Dec": "dic",
}

// Translate returns the English screen text s in language lang (a value of
// personal_settings/language), or s itself when lang has no catalogue or
// no translation for it. Texts made from a template ("Failed to connect
// <domain> server") are translated with their value kept.
func Translate(lang, s string) string { return translate(lang, s) }
